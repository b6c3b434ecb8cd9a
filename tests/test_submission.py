"""Finding and staging a submission's kmeans.py: files, folders, zips, and what is refused."""

import os
import stat
import zipfile

import pytest

from autograder.submission import MAX_SOURCE_BYTES, SubmissionError, stage

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
    (folder / "kmeans (1).py").write_bytes(CODE)
    (folder / "notes.txt").write_text("hi")
    with pytest.raises(SubmissionError, match=r"there is no kmeans.py in sub \(it holds "
                                              r"kmeans \(1\).py, notes.txt\): submit a file "
                                              r"named kmeans.py."):
        stage(folder, tmp_path / "staged")


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
