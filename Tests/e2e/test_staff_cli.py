"""Issue 20, finding 3, on the command line: every change there of who can log in or read cases is
e-mailed to the heads of service, as the console's are (the Maildir of the embedded default)."""

import email
import time


def notices_to(haven, address: str) -> list[str]:
    maildir = haven.data_dir / "mail" / "new"
    found = []
    for path in maildir.glob("*") if maildir.exists() else []:
        message = email.message_from_string(path.read_text(errors="replace"))
        if message["To"] == address and "Staff access changed" in (message["Subject"] or ""):
            found.append(message.get_payload(decode=True).decode())
    return found


def test_command_line_staff_changes_are_told_to_the_heads(haven):
    haven.cli("officer", "add", "--name", "Hana Head", "--email", "hana@landlord.example", "--role", "head")
    out = haven.cli("officer", "add", "--name", "Sam Officer", "--email", "sam@landlord.example")
    assert "told 1 of 1 heads of service" in out
    haven.cli("officer", "update", "2", "--role", "duty_manager")
    haven.cli("officer", "enrol", "2")
    haven.cli("officer", "token", "2")
    haven.cli("officer", "deactivate", "2")
    time.sleep(0.2)
    told = "\n".join(notices_to(haven, "hana@landlord.example"))
    assert "Sam Officer <sam@landlord.example> was added as officer" in told
    assert "from officer <sam@landlord.example> to duty_manager" in told
    assert "new set-up link was issued for Sam Officer" in told
    assert "new API token was issued for Sam Officer" in told
    assert "was deactivated" in told
    # A rota change alone is not an access change: nobody is told.
    before = len(notices_to(haven, "hana@landlord.example"))
    haven.cli("officer", "update", "1", "--shift", "mon-fri 09:00-17:00")
    assert len(notices_to(haven, "hana@landlord.example")) == before
