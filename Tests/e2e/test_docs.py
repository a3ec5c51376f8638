"""The documentation keeps up with the code: every setting Haven reads is described, once, in
docs/configuration.md; the README stays short; every relative link leads somewhere.

Needs no server and no build: it reads files only (conftest's PostgreSQL fixture starts nothing
unless a test asks for a database)."""

import pathlib
import re
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"

NAME = re.compile(r"HAVEN_[A-Z0-9_]+")

# Names in the code's strings that are not settings:
# - HAVEN_NAME is the placeholder in "HAVEN_NAME=value" (the config file's format).
# A name ending in "_" is a prefix (HavenConfig.prefixes, "HAVEN_WHATSAPP_*" in a message), not a
# setting; configuration.md names the prefixes in prose.
NOT_SETTINGS = {"HAVEN_NAME"}


def swift_string_literals(source: str) -> list[str]:
    """The contents of every string literal in Swift source, comments skipped: "…", \"\"\"…\"\"\"
    and raw strings (#"…"#). Interpolations stay inside the literal's text, which is enough here."""
    literals = []
    i, n = 0, len(source)
    while i < n:
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if source.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif source.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif source[i] == '"' or (source[i] == "#" and re.match(r'#+"', source[i:])):
            hashes = len(source[i:]) - len(source[i:].lstrip("#"))
            start = i + hashes
            quote = '"""' if source.startswith('"""', start) else '"'
            close = quote + "#" * hashes
            j = start + len(quote)
            while j < n and not source.startswith(close, j):
                # An escaped character (a quote included) never closes a plain literal.
                j += 2 if (source[j] == "\\" and hashes == 0) else 1
            literals.append(source[start + len(quote):j])
            i = j + len(close)
        else:
            i += 1
    return literals


def shell_code(source: str) -> str:
    """A shell script without its comments (a '#' at a line's start or after a space)."""
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in source.splitlines())


def settings_in_code() -> set[str]:
    names = set()
    for path in (ROOT / "Sources").rglob("*.swift"):
        for literal in swift_string_literals(path.read_text(encoding="utf-8")):
            names.update(NAME.findall(literal))
    for path in (ROOT / "scripts").glob("*.sh"):
        names.update(NAME.findall(shell_code(path.read_text(encoding="utf-8"))))
    return {name for name in names if not name.endswith("_") and name not in NOT_SETTINGS}


def doc_pages() -> list[pathlib.Path]:
    return sorted(DOCS.glob("*.md"))


def setting_rows(text: str) -> list[str]:
    """The settings a page describes: table rows and list items that start with a HAVEN_ name."""
    return re.findall(r"^\s*(?:\||[-*])\s*`(HAVEN_[A-Z0-9_]+)`", text, flags=re.MULTILINE)


def test_the_code_reads_settings():
    # Guards the collection itself: if it found nothing, every other check would pass vacuously.
    names = settings_in_code()
    assert len(names) > 50, sorted(names)
    assert {"HAVEN_DATA_DIR", "HAVEN_PUBLIC_URL", "HAVEN_LOOKUP_KEY_FILE"} <= names


def test_every_setting_is_described_in_configuration():
    described = set(setting_rows(CONFIGURATION.read_text(encoding="utf-8")))
    missing = sorted(settings_in_code() - described)
    assert not missing, f"settings the code reads but docs/configuration.md does not describe: {missing}"


def test_every_setting_is_described_once():
    rows = setting_rows(CONFIGURATION.read_text(encoding="utf-8"))
    twice = sorted({name for name in rows if rows.count(name) > 1})
    assert not twice, f"described more than once in docs/configuration.md: {twice}"
    elsewhere = [
        f"{page.relative_to(ROOT)}: {name}"
        for page in [*doc_pages(), ROOT / "README.md"]
        if page != CONFIGURATION
        for name in setting_rows(page.read_text(encoding="utf-8"))
    ]
    assert not elsewhere, f"settings described outside docs/configuration.md (link to it instead): {elsewhere}"


def test_every_setting_the_docs_name_exists():
    # A page that names a setting configuration.md does not describe points readers at nothing.
    described = set(setting_rows(CONFIGURATION.read_text(encoding="utf-8")))
    named = set()
    for page in [*doc_pages(), ROOT / "README.md"]:
        named.update(name for name in NAME.findall(page.read_text(encoding="utf-8")) if not name.endswith("_"))
    unknown = sorted(named - described - NOT_SETTINGS - {"HAVEN_FUZZ_SEED"})
    assert not unknown, f"named in the docs but not described in docs/configuration.md: {unknown}"


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 160, f"README.md has {len(lines)} lines: move detail into docs/"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: pathlib.Path) -> set[str]:
    found, seen = set(), {}
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match and not in_code:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(text: str) -> list[str]:
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", text)


def test_every_relative_link_leads_somewhere():
    broken = []
    for page in [ROOT / "README.md", *doc_pages()]:
        for target in links(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # http:, https:, mailto:: not checked here
            path_part, _, anchor = target.partition("#")
            path_part = urllib.parse.unquote(path_part)
            destination = (page.parent / path_part).resolve() if path_part else page
            if not destination.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)
