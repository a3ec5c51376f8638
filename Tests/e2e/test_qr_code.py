"""The set-up page's QR code against two independent encoders from PyPI (scripts/install-test-tools.sh):
for set-up links of several lengths (versions 5 to 10), the code Haven drew is read back from its
SVG, module by module, and must be exactly python-qrcode's at the same version, level M and mask;
and the mask Haven chose must be the one of least penalty as segno scores the eight candidates.

Why two: segno always adds a zero byte of padding when the terminator ends on a byte boundary (its
`write_padding_bits`; ISO/IEC 18004 §7.4.10 adds padding bits only when it does not), so its
modules differ from any encoder that follows the standard there, though both decode alike.
python-qrcode pads as the standard says; segno's penalty score (`mask_scores`) is the standard's
table 11, read as Haven reads it.

`python3 Tests/e2e/test_qr_code.py golden` prints Tests/HavenCoreTests/QRCodeGoldens.swift afresh."""

import html
import json
import re
import sys
import urllib.request

import pytest

from conftest import Haven

segno = pytest.importorskip("segno")
qrcode = pytest.importorskip("qrcode")
from qrcode import util as qrutil  # noqa: E402
from segno import encoder as segno_encoder  # noqa: E402

# Officers whose otpauth:// addresses take versions 5 to 10 at level M.
EMAILS = [
    "a@b.uk",
    "sam.okafor@landlord.example",
    "priya.example.officer@north.landlord.example",
    "a.much.longer.address.for.a.housing.officer@tenancy-sustainment.landlord.example",
    "a.longer.address.for.a.housing.officer@north.landlord.example",
    "the-domestic-abuse-team.out-of-hours.duty-manager.second-line@tenancy-sustainment.north-west-region.landlord.example",
]


def matrix_from_svg(svg: str) -> list[list[int]]:
    """The modules of Haven's SVG: the view box less the 4-module quiet zone each side, the dark
    modules being the path's runs (`M x y h w v1 h-w z`)."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    size = side - 8
    matrix = [[0] * size for _ in range(size)]
    path = re.search(r'<path fill="#000" d="([^"]*)"', svg).group(1)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path):
        for dx in range(int(width)):
            matrix[int(y) - 4][int(x) - 4 + dx] = 1
    assert "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path)) == path
    return matrix


def format_information(matrix: list[list[int]]) -> tuple[int, int]:
    """Error correction level bits and mask from the format information beside the top-left finder
    (ISO/IEC 18004 §7.9), read as a scanner does: unmasked by 0x5412."""
    places = [(8, i) for i in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - i, 8) for i in range(9, 15)]
    bits = sum(matrix[y][x] << i for i, (x, y) in enumerate(places)) ^ 0x5412
    return bits >> 13, (bits >> 10) & 7


def reference(text: str, version: int | None, mask: int) -> list[list[int]]:
    """python-qrcode's modules for `text` in byte mode at level M (the smallest version if None)."""
    code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=mask,
                         border=0)
    code.add_data(qrutil.QRData(text.encode(), mode=qrutil.MODE_8BIT_BYTE))
    code.make(fit=version is None)
    return [[int(module) for module in row] for row in code.modules]


def least_penalty_mask(text: str, version: int) -> int:
    """The mask segno's penalty score prefers for these modules: each candidate scored as the
    standard orders it, before the format and version information are drawn (their places light)."""
    def scored(mask: int) -> int:
        matrix = [bytearray(row) for row in reference(text, version, mask)]
        size = len(matrix)
        for i in (0, 1, 2, 3, 4, 5, 7, 8):  # the format information's places, the timing pattern's kept
            matrix[8][i] = matrix[i][8] = 0
        for i in range(8):  # its second copy, and the dark module
            matrix[8][size - 1 - i] = matrix[size - 1 - i][8] = 0
        if version >= 7:
            for i in range(6):
                for j in range(size - 11, size - 8):
                    matrix[i][j] = matrix[j][i] = 0
        return segno_encoder.evaluate_mask(matrix, size, size)
    return min(range(8), key=scored)


def enrolment_page(server: Haven, email: str) -> tuple[str, str]:
    out = server.cli("officer", "add", "--name", "QR Test", "--email", email)
    link = re.search(r"set-up link .*?: (\S+)", out).group(1)
    with urllib.request.urlopen(link, timeout=5) as response:
        page = response.read().decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    uri = html.unescape(re.search(r'<a href="(otpauth://[^"]+)"', page).group(1))
    return svg, uri


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("qr") / "data"
    haven = Haven(data)
    haven.env["HAVEN_PUBLIC_URL"] = haven.url
    haven.start(demo=False)
    yield haven
    haven.stop()


def test_haven_draws_exactly_the_code_the_other_encoders_make(server):
    versions = set()
    for email in EMAILS:
        svg, uri = enrolment_page(server, email)
        assert uri.startswith("otpauth://totp/Haven:") and "&issuer=Haven" in uri and "secret=" in uri
        ours = matrix_from_svg(svg)
        version = (len(ours) - 17) // 4
        level, mask = format_information(ours)
        assert level == 0b00, "level M"
        assert reference(uri, version, mask) == ours, (email, version, mask)
        # The smallest version that holds it, and the mask of least penalty.
        assert len(reference(uri, None, mask)) == len(ours), email
        assert least_penalty_mask(uri, version) == mask, email
        versions.add(version)
    assert versions == {5, 6, 7, 8, 9, 10}


def test_segno_pads_with_one_byte_more_than_the_standard():
    """Why segno's modules are not compared: its padding (see the module's note), shown here."""
    uri = "otpauth://totp/Haven:a@b.uk?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Haven"
    theirs = segno.make(uri, error="m", mode="byte", micro=False, boost_error=False, version=5, mask=0)
    assert [list(row) for row in theirs.matrix] != reference(uri, 5, 0)


LINE_LENGTH = 140  # .swift-format


def golden() -> str:
    """The Swift goldens (Tests/HavenCoreTests/QRCodeGoldens.swift): python-qrcode's modules, and for
    those without a mask given, the mask of least penalty by segno's score."""
    cases = [
        ("Haven", None, None),
        ("otpauth://totp/Haven:a.very.long.name.for.a.housing.officer%40landlord.example"
         "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Haven", None, None),
        ("".join(chr(33 + (i * 7) % 90) for i in range(200)), 10, 5),
    ]
    out = [f"// Made by python-qrcode and segno {segno.__version__} (independent encoders): the modules python-qrcode",
           "// draws (byte mode, level M), the mask segno's penalty score prefers unless one is given.",
           "// Regenerate with `python3 Tests/e2e/test_qr_code.py golden`.",
           "extension QRCodeTests {",
           "    static let goldens: [(text: String, version: Int?, mask: Int?, expectedVersion: Int, expectedMask: Int,"
           " rows: [String])] = ["]
    for text, version, mask in cases:
        expected_version = version or (len(reference(text, None, 0)) - 17) // 4
        expected_mask = mask if mask is not None else least_penalty_mask(text, expected_version)
        rows = reference(text, expected_version, expected_mask)
        numbers = f"{'nil' if version is None else version}, {'nil' if mask is None else mask}, {expected_version}, {expected_mask},"
        line = f"            {json.dumps(text)}, {numbers}"
        # As swift-format lays it out: on one line when it fits, the text alone on its line when not.
        out += ["        ("] + ([line] if len(line) <= LINE_LENGTH else
                                [f"            {json.dumps(text)},", f"            {numbers}"]) + ["            ["]
        out += ['                "' + "".join("#" if m else "." for m in row) + '",' for row in rows]
        out += ["            ]", "        ),"]
    return "\n".join(out + ["    ]", "}"]) + "\n"


if __name__ == "__main__" and sys.argv[1:] == ["golden"]:
    sys.stdout.write(golden())
