"""Gradescope: "Export Submissions" (its gradebook takes no import: it grades by itself)."""

import math
import re

from .base import METADATA, Lms, LmsError, Student

MAX_METADATA_BYTES = 20 << 20


class Gradescope(Lms):
    """``submission_metadata.yml`` beside one folder ``submission_<id>`` per submission; the
    metadata names the submitters (several for a group submission: the student's ``lms_id``
    and ``name`` join theirs with ``; ``, and ``members`` lists each, so the gradebook has a row
    per member). The export does not say who was late."""

    name = "gradescope"
    pattern = re.compile(r"^submission_(?P<id>\d+)$")

    def claims(self, children, folder):
        if (folder / METADATA).is_file() and any(self.pattern.match(c.name) for c in children):
            return math.inf  # its metadata says so, whatever else the folder holds
        return 0

    def students(self, children, folder):
        self.metadata = read_metadata(folder / METADATA)
        return super().students(children, folder)

    def identify(self, child, found):
        people = self.metadata.get(child.name, [])
        return Student(child.name, child, self.name,
                       "; ".join(p["sid"] or p["email"] for p in people),
                       "; ".join(p["name"] for p in people),
                       members=[(p["sid"] or p["email"], p["name"]) for p in people]
                       if len(people) > 1 else [])

    def uploads(self, child, found):
        if child.is_dir():
            return super().uploads(child, found)
        return [(child.name, child)]


def read_metadata(path) -> dict[str, list[dict]]:
    """submission folder name -> its submitters (name, sid, email), from the export's YAML."""
    import yaml

    if path.stat().st_size > MAX_METADATA_BYTES:
        raise LmsError(f"{METADATA} is larger than a class's metadata should be")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise LmsError(f"{METADATA} cannot be read as YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise LmsError(f"{METADATA} does not map submission folders to their submitters")
    found = {}
    for submission, record in data.items():
        people = []
        if isinstance(record, dict):
            for person in _field(record, "submitters") or []:
                if isinstance(person, dict):
                    people.append({k: str(_field(person, k) or "") for k in ("name", "sid", "email")})
        found[str(submission)] = people
    return found


def _field(record: dict, name: str):
    """Gradescope writes Ruby symbols as keys (``:name:`` reads as ``":name"``)."""
    return record.get(f":{name}", record.get(name))
