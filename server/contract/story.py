"""A story driven with a client generated from the served OpenAPI document
(openapi-python-client, server/contract/run.sh): if the document lies about
a path, a field, a type or a security scheme, the generated client cannot
tell this story.

    story.py BASE_URL TOKENS_FILE

A resident signs in through the face simulator and applies for her own code
(blue); she applies for her grandmother (green) and declares the
grandmother's arrival from a key area (red); a stranger who knows the
grandmother's ID asks too and is told only that a guardian must approve,
which she declines; a checkpoint verifies the grandmother's printed page
online and sees red; the community of the district releases the control.
Writes the resident's (refreshed) access token, and the stranger's for
signing out, to TOKENS_FILE for schemathesis.
"""

import base64
import datetime
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from suikang_api import AuthenticatedClient, Client
from suikang_api.api.authority import release_control
from suikang_api.api.checkpoint import online_verify
from suikang_api.api.codes import apply_proxy, apply_self, health_declaration, printed_code, sync_codes
from suikang_api.api.guardians import decline_join_request, pending_join_requests
from suikang_api.api.login import face_simulator_capture, login_finish, login_start, session_refresh
from suikang_api.models import (
    ApplyProxyRequest,
    ApplyResponse,
    ApplySelfRequest,
    CodesResponse,
    Color,
    ControlReason,
    ControlsResponse,
    DecideJoinRequest,
    DocumentInput,
    DocumentKind,
    FaceCapture,
    FaceChallenge,
    HealthDeclarationRequest,
    HealthDeclarationResponse,
    JoinDecisionResponse,
    JoinRequestsResponse,
    KeyAreaTravel,
    LoginFinishRequest,
    LoginStartRequest,
    OnlineVerifyRequest,
    OnlineVerifyResponse,
    PrintedCodeResponse,
    RefreshRequest,
    Relationship,
    ReleaseControlRequest,
    SessionTokens,
    SignedFaceResult,
    SimulateCaptureRequest,
    Symptom,
)

# The device binding's domain separation (protocol/src/device_binding.rs).
BINDING_CONTEXT = b"suikang device binding v1\0"


def resident_id(first17: str) -> str:
    """A resident ID with its ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def expect(response, model, what):
    parsed = response.parsed
    if response.status_code >= 300 or not isinstance(parsed, model):
        sys.exit(f"story: {what}: HTTP {response.status_code}: {response.content[:300]!r}")
    return parsed


def refused(response, status, code, what):
    error = getattr(response.parsed, "error", None)
    if response.status_code != status or error is None or error.code.value != code:
        sys.exit(f"story: {what}: expected {status} {code}, got HTTP {response.status_code}: {response.content[:300]!r}")


def sign_in(base, name, number):
    public = Client(base_url=base, raise_on_unexpected_status=True)
    challenge = expect(
        login_start.sync_detailed(
            client=public,
            body=LoginStartRequest(name=name, document=DocumentInput(kind=DocumentKind.RESIDENT_ID, number=number)),
        ),
        FaceChallenge,
        "login start",
    )
    result = expect(
        face_simulator_capture.sync_detailed(
            client=public, body=SimulateCaptureRequest(capture=FaceCapture.MATCH, challenge=challenge)
        ),
        SignedFaceResult,
        "the face simulator",
    )
    device = Ed25519PrivateKey.generate()
    public_key = device.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    nonce = base64.urlsafe_b64decode(challenge.nonce + "=" * (-len(challenge.nonce) % 4))
    tokens = expect(
        login_finish.sync_detailed(
            client=public,
            body=LoginFinishRequest(
                challenge_id=challenge.challenge_id,
                face_result=result,
                device_public_key=public_key.hex(),
                device_binding_signature=device.sign(BINDING_CONTEXT + nonce).hex(),
            ),
        ),
        SessionTokens,
        "login finish",
    )
    return tokens


def main():
    base, tokens_file = sys.argv[1], sys.argv[2]
    grandmother = DocumentInput(kind=DocumentKind.RESIDENT_ID, number=resident_id("44010519400101222"))

    tokens = sign_in(base, "陈晓红", resident_id("44010519850312442"))
    resident = AuthenticatedClient(base_url=base, token=tokens.access_token)
    own = expect(apply_self.sync_detailed(client=resident, body=ApplySelfRequest()), ApplyResponse, "apply for oneself")
    assert own.color == Color.BLUE, own
    elder = expect(
        apply_proxy.sync_detailed(
            client=resident,
            body=ApplyProxyRequest(
                name="陈阿婆",
                document=grandmother,
                relationship=Relationship.ADULT_RELATIVE,
                co_resident_declared=True,
            ),
        ),
        ApplyResponse,
        "apply for the grandmother",
    )
    assert elder.color == Color.GREEN, elder
    codes = expect(sync_codes.sync_detailed(client=resident), CodesResponse, "sync")
    assert codes.own.code_id == own.code_id and [d.code_id for d in codes.dependents] == [elder.code_id], codes

    stranger_tokens = sign_in(base, "王大力", resident_id("44010619900215331"))
    stranger = AuthenticatedClient(base_url=base, token=stranger_tokens.access_token)
    refused(
        apply_proxy.sync_detailed(
            client=stranger,
            body=ApplyProxyRequest(
                name="陈阿婆",
                document=grandmother,
                relationship=Relationship.ADULT_RELATIVE,
                co_resident_declared=True,
            ),
        ),
        409,
        "join_request_pending",
        "a stranger applies for the grandmother",
    )
    waiting = expect(pending_join_requests.sync_detailed(client=resident), JoinRequestsResponse, "join requests")
    assert [r.code_id for r in waiting.requests] == [elder.code_id], waiting
    declined = expect(
        decline_join_request.sync_detailed(
            waiting.requests[0].request_id, client=resident, body=DecideJoinRequest()
        ),
        JoinDecisionResponse,
        "decline",
    )
    assert declined.code_id == elder.code_id

    declared = expect(
        health_declaration.sync_detailed(
            client=resident,
            body=HealthDeclarationRequest(
                code_id=elder.code_id,
                symptoms=[Symptom.COUGH],
                travel_from_key_area=KeyAreaTravel(
                    area="武汉",
                    arrived_on=datetime.date.today() - datetime.timedelta(days=2),
                    district="440105",
                ),
            ),
        ),
        HealthDeclarationResponse,
        "declare the grandmother's arrival",
    )
    assert declared.color == Color.RED and declared.controls_imposed == [ControlReason.ARRIVAL_FROM_KEY_AREA]

    page = expect(printed_code.sync_detailed(elder.code_id, client=resident), PrintedCodeResponse, "printed page")
    gate = AuthenticatedClient(base_url=base, token=env("SUIKANG_CHECKPOINT_TOKEN"))
    verdict = expect(
        online_verify.sync_detailed(client=gate, body=OnlineVerifyRequest(qr_text=page.qr_text)),
        OnlineVerifyResponse,
        "online check",
    )
    assert verdict.valid and verdict.current_status.color == Color.RED and not verdict.current_status.pass_

    community = AuthenticatedClient(base_url=base, token=env("SUIKANG_AUTHORITY_TOKEN"))
    released = expect(
        release_control.sync_detailed(
            client=community,
            body=ReleaseControlRequest(document=grandmother, reason=ControlReason.ARRIVAL_FROM_KEY_AREA),
        ),
        ControlsResponse,
        "the community releases",
    )
    assert released.color == Color.GREEN and released.controls == [], released

    renewed = expect(
        session_refresh.sync_detailed(
            client=Client(base_url=base), body=RefreshRequest(refresh_token=tokens.refresh_token)
        ),
        SessionTokens,
        "refresh",
    )
    with open(tokens_file, "w", encoding="utf-8") as f:
        f.write(f"SUIKANG_RESIDENT_TOKEN={renewed.access_token}\n")
        f.write(f"SUIKANG_LOGOUT_TOKEN={stranger_tokens.access_token}\n")
    print("story: sign in, apply, apply for an elder, a join request declined, declare, "
          "verify online, release, refresh: all through the generated client")


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"story: {name} is not set (server/contract/run.sh sets it)")
    return value


if __name__ == "__main__":
    main()
