"""The README and docs stand alone: every link stays inside the repository and leads somewhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "assignment" / "README.md",
        *sorted((ROOT / "docs").rglob("*.md"))]

MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
AUTOLINK = re.compile(r"<((?:[a-z][a-z0-9+.-]*:|www\.)[^>\s]*)>", re.IGNORECASE)
BARE_URL = re.compile(r"\b(?:https?|ftp|file)://\S+|\bwww\.\S+", re.IGNORECASE)
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']",
                       re.IGNORECASE)


def links(text: str) -> list[str]:
    """Every link target in a markdown text: inline, reference, autolinks, HTML and bare URLs."""
    found = []
    for pattern in (MARKDOWN_LINK, REFERENCE_LINK, AUTOLINK, BARE_URL, HTML_LINK):
        found += [m.group(1) if m.groups() else m.group(0) for m in pattern.finditer(text)]
    return found


def leaves_the_repo(document: Path, target: str) -> str | None:
    """Why ``target`` (a link in ``document``) leaves the repository or leads nowhere, or None."""
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//|^www\.", target, re.IGNORECASE):
        return "points outside the repository"
    path = target.split("#", 1)[0]
    if not path:
        return None  # a heading in the same document
    resolved = (document.parent / path).resolve()
    if resolved != ROOT and ROOT not in resolved.parents:
        return "is a path outside the repository"
    if not resolved.exists():
        return "leads to nothing in the repository"
    return None


def test_the_link_finder_sees_every_kind_of_link():
    text = ("see [the docs](https://example.org/x) and <https://example.org> or "
            "http://example.org/bare, [ref]: ../shared/CONTRACT.md and "
            '<a href="mailto:someone@example.org">mail</a> ![img](../outside.png)\n'
            "[ok](docs/interface.md#where)")
    found = links(text)
    assert "https://example.org/x" in found and "https://example.org" in found
    assert "http://example.org/bare," in found and "mailto:someone@example.org" in found
    assert "../outside.png" in found and "docs/interface.md#where" in found
    readme = ROOT / "README.md"
    verdicts = {target: leaves_the_repo(readme, target) for target in found}
    assert verdicts.pop("docs/interface.md#where") is None  # it exists, in the repository
    assert all(verdicts.values()), verdicts


@pytest.mark.parametrize("document", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_link_leaves_the_repository(document):
    text = document.read_text(encoding="utf-8")
    bad = [(target, why) for target in links(text)
           if (why := leaves_the_repo(document, target))]
    assert not bad, f"{document.relative_to(ROOT)}: " + "; ".join(f"{t} {w}" for t, w in bad)


def test_the_docs_name_no_file_outside_the_repository():
    """Not even as plain text: a reader who cloned the project has only the project."""
    for document in DOCS:
        text = document.read_text(encoding="utf-8")
        assert "../shared" not in text and "CONTRACT.md" not in text, document


def test_the_interface_is_in_the_repository():
    interface = (ROOT / "docs" / "interface.md").read_text(encoding="utf-8")
    for name in ("find_closest_centroids", "compute_centroid_means", "kmeans_init_centroids",
                 "run_kmeans", "compress_image", "results.json", "visibility", "hidden_roots"):
        assert name in interface, name
    assert "docs/interface.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_quickstart_test_command_verbatim():
    """The README's quickstart has two commands: the batch on bundled data and the tests; CI's
    last line is the second, character for character."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```\n(.+?)\n```", quickstart)
    assert len(commands) == 2 and "autograder batch" in commands[0], commands
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci[-1] == commands[1] and "pytest" in commands[1], (ci[-1], commands[1])
