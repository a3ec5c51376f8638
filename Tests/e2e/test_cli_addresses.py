"""`haven officer add/update` take an e-mail address only by the one address rule: a line break in it
(which would become an extra header such as Bcc: in every alert) is refused, and nothing is stored."""

import subprocess

from conftest import haven_binary

INJECTED = "asha@landlord.example\r\nBcc: x@evil.example"


def run(haven, *args):
    return subprocess.run([haven_binary(), *args], env=haven.env, capture_output=True, text=True)


def test_officer_add_and_update_refuse_an_address_with_a_line_break(haven):
    for address in [INJECTED, "asha@landlord.example\nBcc: x@evil.example", "asha,x@evil.example"]:
        refused = run(haven, "officer", "add", "--name", "Asha", "--email", address)
        assert refused.returncode != 0 and "--email" in refused.stderr
        assert "evil" not in refused.stdout + refused.stderr
    # Refused from the arguments alone, before anything is opened: not even an installation was made.
    assert not haven.data_dir.exists()

    haven.cli("officer", "add", "--name", "Asha", "--email", "Asha@Landlord.example")
    refused = run(haven, "officer", "update", "1", "--email", INJECTED)
    assert refused.returncode != 0 and "--email" in refused.stderr
    listing = haven.cli("officer", "list")
    assert "asha@landlord.example" in listing and "evil" not in listing
