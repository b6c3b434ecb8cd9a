"""The Kubernetes manifests in deploy/: valid objects of the Kubernetes API (kubernetes-validate,
strict), pods that pass the "restricted" Pod Security Standard, one image with a pinned tag and
a pull policy, one ReadWriteMany volume shared by the copy pod and both Jobs, and a grader that
refuses the unsafe process mode. (test_image.py runs the Jobs' commands in containers.)"""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from autograder import paths

DEPLOY = paths.ROOT / "deploy"
FILES = ("kubernetes-volume.yaml", "kubernetes-indexed-job.yaml", "kubernetes-merge-job.yaml")
KUBERNETES = "1.30"


def documents():
    return [(name, doc) for name in FILES
            for doc in yaml.safe_load_all((DEPLOY / name).read_text()) if doc]


def pod_spec(doc):
    return doc["spec"]["template"]["spec"] if doc["kind"] == "Job" else doc["spec"]


def pods():
    return [(name, doc, pod_spec(doc)) for name, doc in documents() if doc["kind"] in ("Job", "Pod")]


@pytest.mark.parametrize("name, doc", documents(), ids=lambda x: x if isinstance(x, str) else "")
def test_each_object_is_valid_for_the_kubernetes_api(name, doc):
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_every_pod_passes_the_restricted_pod_security_standard():
    """The controls of https://kubernetes.io/docs/concepts/security/pod-security-standards/
    ("restricted", which includes "baseline") that a pod spec can break."""
    for name, doc, spec in pods():
        where = f"{name}: {doc['metadata']['name']}"
        pod = spec.get("securityContext", {})
        assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC")), where
        assert pod.get("seccompProfile", {}).get("type") in ("RuntimeDefault", "Localhost"), where
        for volume in spec.get("volumes", []):
            assert set(volume) - {"name"} <= {"persistentVolumeClaim", "emptyDir", "configMap",
                                              "secret", "projected", "downwardAPI",
                                              "ephemeral", "csi"}, where
        for container in spec["containers"]:
            context = container.get("securityContext", {})
            assert not context.get("privileged"), where
            assert context.get("allowPrivilegeEscalation") is False, where
            assert context.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not context.get("capabilities", {}).get("add"), where
            assert context.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, where
            assert context.get("runAsUser", pod.get("runAsUser")) != 0, where
            assert not container.get("ports"), where
            assert context.get("readOnlyRootFilesystem") is True, where


def test_one_image_with_the_project_version_and_a_pull_policy():
    version = __import__("tomllib").loads((paths.ROOT / "pyproject.toml").read_text())[
        "project"]["version"]
    for name, doc, spec in pods():
        for container in spec["containers"]:
            assert container["image"] == f"kmeans-autograder:{version}", name
            assert container["imagePullPolicy"] == "IfNotPresent", name


def test_the_jobs_share_the_volume_the_copy_pod_fills_and_refuse_the_process_mode():
    claims = [doc for _, doc in documents() if doc["kind"] == "PersistentVolumeClaim"]
    assert [c["spec"]["accessModes"] for c in claims] == [["ReadWriteMany"]]
    claim = claims[0]["metadata"]["name"]
    for name, doc, spec in pods():
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["class"]["persistentVolumeClaim"]["claimName"] == claim, name
        mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["class"] == "/class", name
    jobs = {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] == "Job"}
    grade = jobs["kmeans-grade"]["spec"]
    command = grade["template"]["spec"]["containers"][0]["command"]
    assert grade["completionMode"] == "Indexed"
    assert command[:6] == ["python", "-m", "autograder", "batch", "/class/submissions", "--out"]
    out = command[6]
    assert command[command.index("--shard") + 1] == str(grade["completions"])
    merge = jobs["kmeans-merge"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert merge == ["python", "-m", "autograder", "batch", "--merge", out]
    env = {e["name"]: e["value"]
           for e in jobs["kmeans-grade"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["KMEANS_SANDBOX"] == "landlock"  # no Landlock on the node: refuse, never grade unsafely


def test_the_grader_refuses_to_grade_when_landlock_is_asked_for_and_missing(monkeypatch):
    """What KMEANS_SANDBOX=landlock does on a node without Landlock: one clear error."""
    import importlib

    from autograder import grading
    from autograder.sandbox import landlock

    detect = importlib.import_module("autograder.sandbox.detect")  # the module, not the function

    monkeypatch.setenv("KMEANS_SANDBOX", "landlock")
    monkeypatch.setattr(landlock, "abi_version", lambda: 0)
    monkeypatch.setattr(detect, "_probed", {})  # a fresh node: nothing probed in this process yet
    monkeypatch.setattr(detect, "_chosen", {})
    with pytest.raises(grading.SetupFault, match="^KMEANS_SANDBOX=landlock, but .*Landlock|"
                                                 "^KMEANS_SANDBOX=landlock, but .*5.13"):
        grading.detect_isolation()
