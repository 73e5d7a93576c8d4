"""``bigmath push``: the Hub folder loads back with `datasets`; the real upload reaches a local Hub.

The upload tests run the real huggingface_hub client against ``tests/hub_server.py`` (a local
HTTP stand-in for the Hub started by the test), so no network is needed.
"""

from __future__ import annotations

from pathlib import Path

import datasets
import huggingface_hub.constants
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bigmath.cli import app
from bigmath.export.hub import HubPushError, build_hub_folder, push, shard_count

TOKEN = "hf_test_token_5f2c"




@pytest.fixture(scope="module")
def build_dir(shared_data, tmp_path_factory, export_helpers) -> Path:
    return export_helpers.real_build(tmp_path_factory.mktemp("build"), shared_data, n_math=150, n_omni=100, n_harp_proof=4)


@pytest.fixture
def classic_lfs(monkeypatch):
    """Send files by the classic LFS protocol (what HF_HUB_DISABLE_XET=1 selects at import)."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)


def _kept_rows(build_dir: Path) -> int:
    return pq.read_metadata(build_dir / "kept.parquet").num_rows


def test_dry_run_folder_loads_back_with_datasets(build_dir, tmp_path):
    result = CliRunner().invoke(app, ["push", str(build_dir), "me/bigmath-test", "--dry-run", "--max-shard-size", "150KB"])
    assert result.exit_code == 0, result.output
    hub = build_dir / "hub"
    shards = sorted(p.name for p in (hub / "data").iterdir())
    n = shard_count(pq.read_table(build_dir / "kept.parquet").nbytes, "150KB")
    assert n > 1 and shards == [f"train-{i:05d}-of-{n:05d}.parquet" for i in range(n)]
    assert "nothing was uploaded" in " ".join(result.output.split()) and "data/train-00000-of-" in result.output
    # the README's configs point datasets at the shards; dataset_info features must match them
    ds = datasets.load_dataset(str(hub), split="train")
    assert ds.num_rows == _kept_rows(build_dir)
    assert ds["id"] == pq.read_table(build_dir / "kept.parquet").column("id").to_pylist()
    assert (hub / "README.md").is_file() and (hub / "funnel.png").is_file()
    # same inputs, same bytes
    again = build_hub_folder(build_dir, tmp_path / "again", repo_id="me/bigmath-test", max_shard_size="150KB")
    assert again.files == sorted(p.relative_to(hub).as_posix() for p in hub.rglob("*") if p.is_file())
    assert all((again.root / f).read_bytes() == (hub / f).read_bytes() for f in again.files)


def test_push_uploads_the_folder_in_one_commit(build_dir, tmp_path, classic_lfs, monkeypatch, hub_server):
    """The CLI as a user runs it: HF_ENDPOINT and HF_TOKEN from the environment."""
    with hub_server.FakeHub(token=TOKEN) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        result = CliRunner().invoke(app, ["push", str(build_dir), "tester/math-rl", "--private", "-m", "first push"])
        assert result.exit_code == 0, result.output
        assert TOKEN not in result.output and "committed: " in result.output
        assert len(hub.commits) == 1 and hub.commits[0]["message"] == "first push"
        assert hub.repos["tester/math-rl"]["visibility"] == "private"
        remote = hub.files("tester/math-rl")
        local = build_dir / "hub"
        assert sorted(remote) == sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
        assert all(remote[name] == (local / name).read_bytes() for name in remote)
        paths = {(method, path) for method, path in hub.requests}
        assert ("POST", "/api/datasets/tester/math-rl/preupload/main") in paths
        assert ("POST", "/datasets/tester/math-rl.git/info/lfs/objects/batch") in paths
        assert ("POST", "/api/datasets/tester/math-rl/commit/main") in paths
        assert any(method == "PUT" for method, _ in hub.requests)  # parquet and PNGs went by LFS upload


def test_dry_run_folder_uploads_with_upload_folder(build_dir, tmp_path, classic_lfs, hub_server):
    """The folder ``push --dry-run`` leaves is what ``HfApi.upload_folder`` (or ``hf upload``) sends."""
    from huggingface_hub import HfApi

    folder = build_hub_folder(build_dir, tmp_path / "hub", repo_id="tester/by-hand", max_shard_size="150KB")
    with hub_server.FakeHub(token=TOKEN) as hub:
        api = HfApi(endpoint=hub.url, token=TOKEN)
        api.create_repo("tester/by-hand", repo_type="dataset")
        api.upload_folder(repo_id="tester/by-hand", repo_type="dataset", folder_path=folder.root)
        remote = hub.files("tester/by-hand")
        assert sorted(remote) == folder.files
        assert all(remote[name] == (folder.root / name).read_bytes() for name in remote)


def test_second_push_replaces_stale_shards(build_dir, tmp_path, classic_lfs, hub_server):
    with hub_server.FakeHub(token=TOKEN) as hub:
        push(build_dir, "bigmath-org/math-rl", token=TOKEN, endpoint=hub.url, folder=tmp_path / "a", max_shard_size="100KB")
        first = sorted(f for f in hub.files("bigmath-org/math-rl") if f.startswith("data/"))
        assert len(first) > 1
        push(build_dir, "bigmath-org/math-rl", token=TOKEN, endpoint=hub.url, folder=tmp_path / "b")
        files = hub.files("bigmath-org/math-rl")
        assert sorted(f for f in files if f.startswith("data/")) == ["data/train-00000-of-00001.parquet"]
        assert sorted(hub.commits[-1]["deleted"]) == first
        assert pq.read_table(tmp_path / "b" / "data" / "train-00000-of-00001.parquet").num_rows == _kept_rows(build_dir)


def test_push_to_a_branch(build_dir, tmp_path, classic_lfs, hub_server):
    with hub_server.FakeHub(token=TOKEN) as hub:
        result = push(build_dir, "math-rl", token=TOKEN, endpoint=hub.url, revision="v0.1", folder=tmp_path)
        assert result.commit_url.startswith(f"{hub.url}/datasets/tester/math-rl/commit/")  # bare name -> user's repo
        assert hub.files("tester/math-rl", "main") == {}
        assert "README.md" in hub.files("tester/math-rl", "v0.1")
        assert hub.commits[0]["branch"] == "v0.1"


def test_clear_errors(build_dir, tmp_path, hub_server):
    with hub_server.FakeHub(token=TOKEN) as hub:
        with pytest.raises(HubPushError, match="'someone-else', which user 'tester' cannot write to; pick a repo under: tester, bigmath-org"):
            push(build_dir, "someone-else/data", token=TOKEN, endpoint=hub.url, folder=tmp_path)
        with pytest.raises(HubPushError, match="rejected the token \\(401 Unauthorized\\)") as bad:
            push(build_dir, "tester/data", token="hf_wrong_secret", endpoint=hub.url, folder=tmp_path)
        assert "hf_wrong_secret" not in str(bad.value)
        assert hub.repos == {}
    with hub_server.FakeHub(token=TOKEN) as closed:
        url = closed.url
    with pytest.raises(HubPushError, match=f"cannot reach the Hub at {url} \\(ConnectError\\)"):
        push(build_dir, "tester/data", token=TOKEN, endpoint=url, folder=tmp_path)


def test_no_token_is_a_clear_cli_error(build_dir, tmp_path, monkeypatch):
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "no_saved_token"))
    result = CliRunner().invoke(app, ["push", str(build_dir), "tester/data"])
    assert result.exit_code == 1
    assert "no Hugging Face token: set HF_TOKEN or run `hf auth login`" in " ".join(result.output.split())


