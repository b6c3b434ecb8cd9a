"""Finding and staging a submission's kmeans.py: files, folders, zips, and what is refused."""

import os
import stat
import zipfile

import pytest

from autograder.submission import (MAX_SOURCE_BYTES, SubmissionError, stage, stage_submission,
                                   zip_name)

CODE = b"import numpy as np\n"


def staged(path, folder):
    folder.mkdir(parents=True, exist_ok=True)
    return stage(path, folder / "staged").read_bytes()


def test_file_folder_and_nested_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "kmeans.py").write_bytes(CODE)
    assert staged(tmp_path / "a" / "kmeans.py", tmp_path / "1") == CODE
    assert staged(tmp_path / "a", tmp_path / "2") == CODE
    nested = tmp_path / "b" / "student" / "work"
    nested.mkdir(parents=True)
    (nested / "kmeans.py").write_bytes(CODE)
    (tmp_path / "b" / "__MACOSX").mkdir()
    (tmp_path / "b" / "__MACOSX" / "kmeans.py").write_bytes(b"junk")
    assert staged(tmp_path / "b", tmp_path / "3") == CODE


def test_a_folder_holding_the_uploaded_zip_is_graded_from_the_zip(tmp_path):
    """As Moodle exports a class: a folder per student with the file they uploaded."""
    folder = tmp_path / "Ada Lovelace_123_assignsubmission_file_"
    folder.mkdir()
    with zipfile.ZipFile(folder / "my work.zip", "w") as z:
        z.writestr("work/kmeans.py", CODE)
    assert staged(folder, tmp_path / "out") == CODE


def test_a_folder_without_kmeans_py_says_what_it_holds(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "kmeans (1).txt").write_bytes(CODE)
    (folder / "notes.txt").write_text("hi")
    with pytest.raises(SubmissionError, match=r"there is no kmeans.py in sub \(it holds "
                                              r"kmeans \(1\).txt, notes.txt\): submit a file "
                                              r"named kmeans.py."):
        stage(folder, tmp_path / "staged")


def layouts(tmp_path, files: dict) -> dict:
    """The same files handed in as every layout stages them: a plain folder, Gradescope's
    /autograder/submission, a zip, a folder holding the zip (Moodle), the zip in a subfolder."""
    made = {}
    for name in ("ada_lovelace", "submission"):
        folder = tmp_path / name
        folder.mkdir()
        for relative, data in files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)
        made[name] = folder
    archive = tmp_path / "ada_lovelace.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for relative, data in files.items():
            z.writestr(relative, data)
    made["zip"] = archive
    moodle = tmp_path / "Ada Lovelace_123_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "ada_lovelace.zip").write_bytes(archive.read_bytes())
    made["moodle"] = moodle
    return made


@pytest.mark.parametrize("files, graded, others", [
    ({"kmeans.py": CODE, "helpers.py": b"x = 1\n", "notes.txt": b"hi"}, "kmeans.py",
     ["helpers.py", "notes.txt"]),
    ({"ada_lovelace.py": CODE, "notes.txt": b"hi", "data.csv": b"1,2\n"}, "ada_lovelace.py",
     ["data.csv", "notes.txt"]),
    ({"work/my_kmeans.py": CODE, ".DS_Store": b"", "__MACOSX/._my_kmeans.py": b"junk"},
     "work/my_kmeans.py", []),
])
def test_one_rule_picks_the_same_file_in_every_layout(tmp_path, files, graded, others):
    """kmeans.py, else the only .py file, in a folder, Gradescope's submission folder, a zip
    and a folder holding a zip; the other files are listed, litter is not."""
    for layout, path in layouts(tmp_path, files).items():
        done = stage_submission(path, tmp_path / f"staged-{layout}")
        assert done.path.read_bytes() == CODE and done.path.name == "kmeans.py", layout
        inside = "ada_lovelace.zip: " if layout in ("zip", "moodle") else ""
        assert done.graded == inside + graded, layout
        assert sorted(done.others) == others, layout
    assert done.note() == (f"Graded ada_lovelace.zip: {graded}"
                           + (f"; also handed in: {', '.join(others)} (not graded)" if others
                              else "") + ".")


@pytest.mark.parametrize("files, message", [
    ({"a.py": CODE, "b.py": CODE, "notes.txt": b"hi"},
     r"holds no kmeans.py and several .py files \(a.py, b.py\): name the one to grade kmeans.py"),
    ({"notes.txt": b"hi", "data.csv": b"1\n"},
     r"there is no kmeans.py in \S+ \(it holds data.csv, notes.txt\): submit a file named "
     r"kmeans.py."),
])
def test_the_rule_refuses_in_one_line_listing_what_it_found(tmp_path, files, message):
    for layout, path in layouts(tmp_path, files).items():
        with pytest.raises(SubmissionError, match=message) as refused:
            stage(path, tmp_path / f"staged-{layout}")
        assert "\n" not in str(refused.value)


def test_a_named_notebook_beats_a_helper_module_and_a_lone_notebook_is_graded(tmp_path):
    notebook = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "kmeans.ipynb").write_bytes(notebook)
    (folder / "plotting.py").write_bytes(CODE)
    done = stage_submission(folder, tmp_path / "s1")
    assert (done.graded, done.others, done.path.name) == ("kmeans.ipynb", ["plotting.py"],
                                                         "kmeans.ipynb")
    (folder / "plotting.py").unlink()
    (folder / "kmeans.ipynb").rename(folder / "ada.ipynb")
    assert stage_submission(folder, tmp_path / "s2").graded == "ada.ipynb"


def clear_utf8_flags(path) -> None:
    """Clear the UTF-8 flag (0x800) of every member, in its local header and in the central
    directory, leaving its name's bytes as they are: a zip as Info-ZIP writes one."""
    import struct

    data = bytearray(path.read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            bits = struct.unpack_from("<H", data, at + flags)[0]
            struct.pack_into("<H", data, at + flags, bits & ~0x800)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def test_zip_names_are_utf8_when_flagged_or_valid_and_cp437_otherwise(tmp_path):
    """Names a student sees as they wrote them: UTF-8 flagged, UTF-8 unflagged (Info-ZIP,
    macOS), and real cp437 (old Windows tools), never ``m├╝ller``."""
    unflagged = tmp_path / "unflagged.zip"
    with zipfile.ZipFile(unflagged, "w") as z:
        z.writestr("müllerjürgen/lösung.py", CODE)
        z.writestr("müllerjürgen/notizen.txt", b"hi")
    assert zipfile.ZipFile(unflagged).infolist()[0].flag_bits & 0x800  # zipfile set it
    flagged = tmp_path / "flagged.zip"
    flagged.write_bytes(unflagged.read_bytes())
    clear_utf8_flags(unflagged)
    info = zipfile.ZipFile(unflagged).infolist()[0]
    assert not info.flag_bits & 0x800 and info.filename == "m├╝llerj├╝rgen/l├╢sung.py"
    cp437 = tmp_path / "cp437.zip"
    with zipfile.ZipFile(cp437, "w") as z:  # placeholders as long as the cp437 names
        z.writestr("mXller/lXsung.py", CODE)
        z.writestr("mXller/notes.txt", b"hi")
    cp437.write_bytes(cp437.read_bytes().replace(b"mXller/lXsung.py", "müller/lösung.py"
                                                 .encode("cp437"))
                      .replace(b"mXller/notes", "müller/notes".encode("cp437")))
    assert zip_name(zipfile.ZipFile(cp437).infolist()[0]) == "müller/lösung.py"
    for archive, folder in ((flagged, "müllerjürgen"), (unflagged, "müllerjürgen"),
                            (cp437, "müller")):
        done = stage_submission(archive, tmp_path / f"staged-{archive.stem}")
        assert done.path.read_bytes() == CODE
        notes = "notizen.txt" if folder.endswith("jürgen") else "notes.txt"
        assert (done.graded, done.others) == (f"{archive.name}: {folder}/"
                                              + ("lösung.py"), [f"{folder}/{notes}"])
    clear_utf8_flags(flagged)  # and the refusal names them as they were written
    with zipfile.ZipFile(tmp_path / "none.zip", "w") as z:
        z.writestr("björn/notizen.txt", b"hi")
    clear_utf8_flags(tmp_path / "none.zip")
    with pytest.raises(SubmissionError, match="it holds björn/notizen.txt"):
        stage(tmp_path / "none.zip", tmp_path / "staged-none")


def test_zip_is_read_without_extracting_and_traversal_names_do_nothing(tmp_path):
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../escaped.py", b"evil")
        z.writestr("/abs/escaped2.py", b"evil")
        z.writestr("folder/kmeans.py", CODE)
    assert staged(archive, tmp_path) == CODE
    assert not (tmp_path.parent / "escaped.py").exists()
    assert sorted(os.listdir(tmp_path / "staged")) == ["kmeans.py"]


def test_zip_symlink_entry_is_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as z:
        info = zipfile.ZipInfo("kmeans.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(SubmissionError, match="symbolic link"):
        stage(archive, tmp_path / "staged")


def test_folder_symlink_is_never_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_bytes(b"SECRET = 1\n")
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "kmeans.py").symlink_to(secret)
    with pytest.raises(SubmissionError, match="symbolic link"):
        stage(folder, tmp_path / "staged")
    linked_dir = tmp_path / "sub2"
    linked_dir.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "kmeans.py").write_bytes(CODE)
    (linked_dir / "inner").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(SubmissionError, match="there is no kmeans.py"):
        stage(linked_dir, tmp_path / "staged2")


@pytest.mark.parametrize("content, message", [
    (b"x = 'Ren\xe9e'\n", r"not UTF-8 text \(byte 0xe9 on line 1\)"),
    (b"x = 1\x00\n", "NUL bytes"),
    (b"#" * (MAX_SOURCE_BYTES + 1), "more than the"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "kmeans.py"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=message):
        stage(path, tmp_path / "staged")


def test_ambiguous_missing_and_not_python(tmp_path):
    for name in ("x", "y"):
        (tmp_path / "two" / name).mkdir(parents=True)
        (tmp_path / "two" / name / "kmeans.py").write_bytes(CODE)
    with pytest.raises(SubmissionError, match="several kmeans.py files"):
        stage(tmp_path / "two", tmp_path / "s1")
    (tmp_path / "none").mkdir()
    with pytest.raises(SubmissionError, match="there is no kmeans.py in none"):
        stage(tmp_path / "none", tmp_path / "s2")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SubmissionError, match="is not a Python file"):
        stage(tmp_path / "notes.txt", tmp_path / "s3")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(SubmissionError):
        stage(broken, tmp_path / "s4")
    with pytest.raises(SubmissionError, match="does not exist"):
        stage(tmp_path / "missing.py", tmp_path / "s5")


def test_broken_and_oversized_zips_are_refused_in_one_sentence(tmp_path):
    """Corrupt compressed data, a name flagged UTF-8 that is not, a zip too large to be a
    submission: each is the student's verdict, never a crash of the grader."""
    import lzma  # noqa: F401  (the LZMA member below needs the module)

    def zip_of(name, method=zipfile.ZIP_DEFLATED, data=b"def f():\n    return 1\n" * 200):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", compression=method) as archive:
            archive.writestr("kmeans.py", data)
        return path

    deflated = zip_of("deflate.zip")
    raw = bytearray(deflated.read_bytes())
    start = raw.index(b"kmeans.py") + len(b"kmeans.py")  # the first member's data
    raw[start + 5:start + 40] = b"\xff" * 35
    deflated.write_bytes(bytes(raw))
    lzma_zip = zip_of("lzma.zip", zipfile.ZIP_LZMA)
    raw = bytearray(lzma_zip.read_bytes())
    start = raw.index(b"kmeans.py") + len(b"kmeans.py")
    raw[start + 9:start + 60] = b"\x00" * 51
    lzma_zip.write_bytes(bytes(raw))
    badname = zip_of("badname.zip")
    raw = bytearray(badname.read_bytes())
    for at in [i for i in range(len(raw)) if raw.startswith(b"kmeans.py", i)]:
        raw[at:at + 2] = b"\xff\xfe"  # not UTF-8, under the UTF-8 flag set below
    for signature, flag_at in ((b"PK\x03\x04", 7), (b"PK\x01\x02", 9)):
        at = raw.index(signature)
        raw[at + flag_at] |= 0x08  # bit 11 of the flags (its high byte): the name is UTF-8
    badname.write_bytes(bytes(raw))
    huge = tmp_path / "huge.zip"
    huge.write_bytes(b"PK" + b"\0" * (33 << 20))
    for path in (deflated, lzma_zip, badname, huge):
        with pytest.raises(SubmissionError):
            stage(path, tmp_path / f"staged-{path.stem}")



def special_files(folder):
    """A FIFO and a socket named kmeans.py, a folder of each, and a folder whose only zip is a
    FIFO: {path: what it is}; and the socket's listener, to close."""
    import socket

    for name in ("fifo", "socket", "zipped"):
        (folder / name).mkdir()
    os.mkfifo(folder / "fifo" / "kmeans.py")
    os.mkfifo(folder / "zipped" / "hand-in.zip")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(folder / "socket" / "kmeans.py"))
    fifo, sock = "a FIFO (named pipe)", "a socket"
    return {folder / "fifo" / "kmeans.py": fifo, folder / "fifo": fifo,
            folder / "socket" / "kmeans.py": sock, folder / "socket": sock,
            folder / "zipped": fifo}, listener


def test_a_fifo_or_socket_is_refused_in_one_sentence_without_being_opened(tmp_path):
    """A FIFO opened for reading waits for a writer forever: it is refused by its status. Each
    is staged in a process of its own, under a timeout, so a hang fails the test."""
    import subprocess
    import sys

    found, listener = special_files(tmp_path)
    code = ("import sys; from autograder.submission import SubmissionError, stage\n"
            "try:\n    stage(sys.argv[1], sys.argv[2])\n"
            "except SubmissionError as error:\n    print(error)\n")
    try:
        for number, (path, kind) in enumerate(found.items()):
            done = subprocess.run([sys.executable, "-c", code, str(path),
                                   str(tmp_path / f"s{number}")], capture_output=True,
                                  text=True, timeout=30)
            assert done.returncode == 0 and done.stderr == "", done.stderr
            message = done.stdout
            assert message.endswith(f"is {kind}, not a regular file: submit kmeans.py as a "
                                    f"file.\n") and message.count("\n") == 1, message
            assert not (tmp_path / f"s{number}").exists()
    finally:
        listener.close()


def test_the_note_names_a_file_whose_name_is_not_utf8_readably(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.py")).write_bytes(CODE)
    (folder / os.fsdecode(b"n\xf6tes.txt")).write_text("hi")
    done = stage_submission(folder, tmp_path / "staged")
    assert done.path.read_bytes() == CODE
    assert done.note() == "Graded caf\ufffd.py; also handed in: n\ufffdtes.txt (not graded)."
    done.note().encode("utf-8")  # fit for results.json
