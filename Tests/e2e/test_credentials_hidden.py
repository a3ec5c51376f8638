"""No credential reaches a screen or a log: `haven config` and the start-up log of `haven serve`, with a
canary value in every setting that holds one (and in the password and query of every URL)."""

import base64

from conftest import Haven

MASTER_KEY = base64.b64encode(b"canary-master-key-32-bytes-long!").decode()

CANARIES = {
    "HAVEN_MASTER_KEY": MASTER_KEY,
    "HAVEN_SMTP_URL": "smtp://haven:canary-smtp-url@127.0.0.1:1/?auth=canary-smtp-query",
    "HAVEN_SMTP_USER": "haven",
    "HAVEN_SMTP_PASSWORD": "canary-smtp-password",
    "HAVEN_SMTP_STARTTLS": "off",
    "HAVEN_PUBLIC_URL": "http://haven:canary-public-url@haven.example.org",
    "HAVEN_WEBHOOK_URL": "https://hooks.example.org/services/canary-webhook-path",
    "HAVEN_WEBHOOK_SECRET": "canary-webhook-secret",
    "HAVEN_TWILIO_AUTH_TOKEN": "canary-twilio-token",
    "HAVEN_VONAGE_SIGNATURE_SECRET": "canary-vonage-signature",
    "HAVEN_VONAGE_API_KEY": "canary-vonage-key",
    "HAVEN_VONAGE_API_SECRET": "canary-vonage-secret",
    "HAVEN_MESSAGEBIRD_SIGNING_KEY": "canary-messagebird-signing",
    "HAVEN_MESSAGEBIRD_ACCESS_KEY": "canary-messagebird-access",
    "HAVEN_PLIVO_AUTH_TOKEN": "canary-plivo-token",
    "HAVEN_SINCH_SECRET": "canary-sinch-secret",
    "HAVEN_SINCH_API_TOKEN": "canary-sinch-token",
    "HAVEN_MODEM_SECRET": "canary-modem-secret",
    "HAVEN_MODEM_OUTBOUND_URL": "https://gw:canary-modem-password@modem.example.org/send/canary-modem-path",
    "HAVEN_LOG_LEVEL": "info",
}


def test_haven_config_and_the_start_up_log_show_no_credential(tmp_path):
    haven = Haven(tmp_path / "data", env=CANARIES)

    listing = haven.cli("config")
    assert [line for line in listing.splitlines() if "canary" in line or MASTER_KEY in line] == []
    assert "HAVEN_TWILIO_AUTH_TOKEN=(set, hidden)" in listing
    assert "HAVEN_SMTP_URL=smtp://127.0.0.1:1/?(hidden)" in listing

    haven.start(demo=False)
    haven.stop()
    log = (tmp_path / "data-server.log").read_text()
    assert "Haven is taking reports" in log and "127.0.0.1:1" in log
    assert [line for line in log.splitlines() if "canary" in line or MASTER_KEY in line] == []
