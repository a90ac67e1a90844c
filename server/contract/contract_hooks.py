"""schemathesis hooks for server/contract/run.sh.

A correct client sends a fresh Idempotency-Key with every new request
(DESIGN §6); reusing one for a different request is refused (422
`idempotency_key_reused`), as the document says. The fuzzer draws keys from
a small space and would reuse them across unrelated requests, so every
well-formed key it draws is replaced with a fresh one; malformed keys are
left as drawn, to be refused with 400 `invalid_idempotency_key`.
"""

import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and WELL_FORMED.fullmatch(value):
            headers[name] = uuid.uuid4().hex
