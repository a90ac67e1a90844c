"""A smoke test of the generated Python bindings (bindings/generated/python):
log in through the face simulator, apply, sync, show the code, verify it.

    python3 bindings/tests/python/smoke_test.py SERVER_URL ROOT_KEY_HEX

Run by bindings/test-host.sh against the server it starts. Standard library
only; the bindings' async methods run on asyncio.
"""

import asyncio
import json
import os
import random
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "generated", "python"))

import suikang  # noqa: E402  (generated)

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(birth: str) -> str:
    body = f"440104{birth}{random.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


class SimulatorFace(suikang.FaceVerifier):
    """The vendor SDK, played by the server's face simulator."""

    def __init__(self, url: str):
        self.url = url

    async def verify(self, challenge):
        body = json.dumps({
            "challenge": {
                "challenge_id": challenge.challenge_id,
                "nonce": challenge.nonce,
                "expires_at": challenge.expires_at.isoformat().replace("+00:00", "Z"),
                "vendor": {
                    "vendor": challenge.vendor,
                    "vendor_public_key": challenge.vendor_public_key,
                    "liveness_actions": challenge.liveness_actions,
                    "subject": challenge.subject,
                },
            },
            "capture": "match",
        }).encode()
        request = urllib.request.Request(
            self.url + "/v1/face-simulator/capture", body,
            {"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            result = json.load(response)
        return suikang.SignedFaceResult(
            vendor=result["vendor"], challenge_id=result["challenge_id"],
            nonce=result["nonce"], outcome=suikang.FaceOutcome[result["outcome"].upper()],
            signature=result["signature"])


async def main(url: str, root_key: str) -> None:
    # The core calls the async FaceVerifier from its own runtime's threads
    # (never the caller's): uniffi needs the loop to run it on.
    suikang.uniffi_set_event_loop(asyncio.get_running_loop())
    checks = 0
    with tempfile.TemporaryDirectory() as data:
        config = suikang.AppConfig(
            data_dir=data, server_url=url, trust_roots=[root_key],
            pinned_server_key=None, keystore_service="cn.suikang.smoke", network=None)
        app = suikang.App(config, SimulatorFace(url), None)

        assert isinstance(await app.screen(), suikang.Screen.SIGNED_OUT); checks += 1
        session = await app.login("张三明", suikang.DocumentKind.RESIDENT_ID, resident_id("19850612"))
        assert session.masked_name == "张*明"; checks += 1
        applied = await app.apply_self()
        assert applied.color == suikang.Color.BLUE; checks += 1
        report = await app.sync()
        assert isinstance(report.delivered, int); checks += 1

        screen = await app.screen()
        assert isinstance(screen, suikang.Screen.CODE); checks += 1
        code = screen.code
        assert len(code.qr.modules) == code.qr.size ** 2; checks += 1
        assert code.title_zh == "我的穗康码"; checks += 1

        result = await app.verify(code.qr_text)
        assert result.verdict == suikang.Verdict.PASS, result; checks += 1
        assert result.masked_name == "张*明"; checks += 1

        try:
            await app.select("no-such-code")
            raise AssertionError("select of an unknown code must fail")
        except suikang.SuikangError.CodeNotFound:
            checks += 1
        assert suikang.clock_text(code.now) == code.clock_text; checks += 1
        # 离线有效至 …: until when the code shown works without the network.
        until = suikang.clock_text(code.credential_expires_at)[:16]
        assert code.offline_validity.zh == f"离线有效至 {until}", code.offline_validity; checks += 1
        assert code.printed_validity is None; checks += 1

        # 代申领 with the dependent's district picked from the core's list.
        haizhu = suikang.districts("海珠", suikang.Language.ZH_HANS)
        assert [(d.code, d.name) for d in haizhu] == [("440105", "海珠区")]; checks += 1
        assert suikang.districts("haizhu", suikang.Language.EN)[0].name == "Haizhu District"; checks += 1
        grandmother = suikang.ProxyApplication(
            name="李秀英", kind=suikang.DocumentKind.RESIDENT_ID, number=resident_id("19410517"),
            relationship=suikang.Relationship.ADULT_RELATIVE, co_resident_declared=True,
            reason=None, residence_district="火星")
        try:
            await app.apply_proxy(grandmother)
            raise AssertionError("a district nobody knows must be refused")
        except suikang.SuikangError.UnknownDistrict:
            checks += 1
        grandmother.residence_district = haizhu[0].code
        held = await app.apply_proxy(grandmother)
        assert held.color == suikang.Color.GREEN; checks += 1
        assert await app.pending_join_requests() == []; checks += 1
        assert suikang.relationship_label(
            suikang.Relationship.ADULT_RELATIVE, suikang.Language.ZH_HANT) == "共同居住的成年親屬"; checks += 1
        assert suikang.color_name(held.color, suikang.Language.EN) == "green code"; checks += 1
        reasons = suikang.device_reason_choices(suikang.Language.EN)
        assert reasons[-1].label == "no smartphone" and reasons[-1].reason.is_no_smartphone(); checks += 1
        assert await app.remove_dependent(held.code_id) == suikang.SubmitOutcome.DELIVERED; checks += 1

        # The screens' own words, from the core, in the three languages.
        assert suikang.ui_text(suikang.UiText.NO_CODE_YET, suikang.Language.ZH_HANT) == "還沒有穗康碼"; checks += 1
        assert suikang.ui_text(suikang.UiText.APPLY_FOR_DEPENDENT, suikang.Language.EN) == "Apply for a dependent"; checks += 1
        assert suikang.remove_dependent_question("李*英", suikang.Language.ZH_HANS) == "确定不再代领李*英的穗康码？"; checks += 1
        assert [suikang.language_name(l) for l in suikang.Language] == ["简体", "繁體", "EN"]; checks += 1
    print(f"python: {checks} passed, 0 failed")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
