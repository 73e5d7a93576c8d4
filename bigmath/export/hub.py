"""Push a build to the Hugging Face Hub: build the exact folder the repo will hold, then upload it.

The folder (``OUT/hub/`` by default)::

    README.md                           the dataset card (bigmath.export.card)
    funnel.png, difficulty.png, ...     its plots
    data/train-0000X-of-0000N.parquet   kept.parquet in N shards (datasets' naming and 500MB default)

Upload: ``create_repo(exist_ok=True)``, ``create_branch`` for a non-default ``--revision``, then one
``create_commit`` that adds every file and deletes stale remote shards/plots. This is the commit
``upload_folder(delete_patterns=...)`` builds; it is called directly because with ``hf_xet``
installed ``upload_folder`` streams large folders in several commits, and a push must be one
commit (a reader never sees half a dataset). Errors (no token, no network, a repo the token
cannot write) become :class:`HubPushError` with a message that never contains the token.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bigmath.export.build_output import BuildOutput
from bigmath.export.card import write_card

#: Default shard size, as ``datasets.Dataset.push_to_hub`` (``config.MAX_SHARD_SIZE``).
DEFAULT_MAX_SHARD_SIZE = "500MB"
#: Remote files a push replaces: stale shards and plots are deleted in the same commit.
MANAGED_PATTERNS = ("data/train-*.parquet", "*.png")
_NETWORK_ERRORS = {"TransportError", "ConnectError", "ConnectTimeout", "RequestError", "ConnectionError", "Timeout"}


class HubPushError(RuntimeError):
    """A push failed for a reason the user can fix; the message says which (never the token)."""


@dataclasses.dataclass
class HubFolder:
    """The folder built for the Hub: its root and its files (paths relative to root, sorted)."""

    root: Path
    files: list[str]
    rows: int

    def sizes(self) -> list[tuple[str, int]]:
        """``(relative path, bytes)`` per file."""
        return [(f, (self.root / f).stat().st_size) for f in self.files]


@dataclasses.dataclass
class PushResult:
    """Outcome of :func:`push`: the folder, and for a real push the commit URL and repo URL."""

    folder: HubFolder
    repo_url: str | None = None
    commit_url: str | None = None


def shard_count(nbytes: int, max_shard_size: int | str = DEFAULT_MAX_SHARD_SIZE) -> int:
    """Number of shards for a table of ``nbytes`` Arrow bytes, as ``datasets`` computes it."""
    from datasets.utils.py_utils import convert_file_size_to_int

    limit = convert_file_size_to_int(max_shard_size)
    return max(1, math.ceil(nbytes / limit))


def build_hub_folder(
    build: BuildOutput | str | Path,
    folder: str | Path | None = None,
    *,
    repo_id: str | None = None,
    max_shard_size: int | str = DEFAULT_MAX_SHARD_SIZE,
) -> HubFolder:
    """Write the folder the Hub repo will hold (card, plots, ``data/`` shards of kept.parquet).

    Args:
        build: a :class:`BuildOutput` or the build folder.
        folder: where to write (default ``OUT/hub``); earlier shards, plots and README there are
            replaced, other files are left alone.
        repo_id: Hub id shown in the card's usage snippet.
        max_shard_size: shard size limit (bytes or ``"500MB"``), on the in-memory Arrow size.
    """
    build = build if isinstance(build, BuildOutput) else BuildOutput.open(build)
    root = Path(folder) if folder is not None else build.root / "hub"
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*data_dir.glob("train-*.parquet"), *root.glob("*.png"), root / "README.md"]:
        stale.unlink(missing_ok=True)
    kept = build.kept
    n = shard_count(kept.nbytes, max_shard_size)
    per_shard = math.ceil(kept.num_rows / n) if kept.num_rows else 0
    for i in range(n):
        shard = kept.slice(i * per_shard, per_shard)
        pq.write_table(shard, data_dir / f"train-{i:05d}-of-{n:05d}.parquet")
    write_card(build, root, repo_id=repo_id)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return HubFolder(root, files, kept.num_rows)


def _is_network_error(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionError) or any(cls.__name__ in _NETWORK_ERRORS for cls in type(exc).__mro__)


def _explain(exc: Exception, endpoint: str, repo_id: str) -> HubPushError:
    from huggingface_hub.errors import HfHubHTTPError, LocalTokenNotFoundError, RepositoryNotFoundError

    if isinstance(exc, LocalTokenNotFoundError):
        return HubPushError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    if _is_network_error(exc):
        return HubPushError(
            f"cannot reach the Hub at {endpoint} ({type(exc).__name__}); check the network or HF_ENDPOINT"
        )
    if isinstance(exc, RepositoryNotFoundError):
        return HubPushError(f"dataset repo {repo_id} not found at {endpoint}, or the token cannot see it")
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status == 401:
            return HubPushError(
                f"the Hub at {endpoint} rejected the token (401 Unauthorized); check HF_TOKEN or `hf auth login`"
            )
        if status == 403:
            return HubPushError(
                f"the token may not write to {repo_id} (403 Forbidden): the repo belongs to another user or "
                "organisation, or the token is read-only"
            )
        return HubPushError(f"the Hub at {endpoint} answered {status} for {repo_id}: {exc}")
    return HubPushError(f"push to {repo_id} failed: {type(exc).__name__}: {exc}")


def _check_namespace(whoami: dict[str, Any], repo_id: str) -> None:
    namespace = repo_id.split("/", 1)[0]
    allowed = [whoami.get("name")] + [org.get("name") for org in whoami.get("orgs") or []]
    if namespace not in allowed:
        raise HubPushError(
            f"repo {repo_id} belongs to {namespace!r}, which user {whoami.get('name')!r} cannot write to; "
            f"pick a repo under: {', '.join(n for n in allowed if n)}"
        )


def push(
    build: BuildOutput | str | Path,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    dry_run: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
    commit_message: str | None = None,
    folder: str | Path | None = None,
    max_shard_size: int | str = DEFAULT_MAX_SHARD_SIZE,
) -> PushResult:
    """Build the Hub folder and, unless ``dry_run``, upload it in one commit.

    Args:
        build: a :class:`BuildOutput` or the build folder.
        repo_id: ``namespace/name`` of the dataset repo (a bare name means the token's user).
        private: create the repo private (ignored when it exists).
        revision: branch to commit to (created from the default branch when missing).
        dry_run: only write the folder (``OUT/hub``); no token or network needed.
        token: Hub token; default ``HF_TOKEN`` or the saved ``hf auth login`` token.
        endpoint: Hub URL; default ``HF_ENDPOINT`` or https://huggingface.co.
        commit_message: default "Upload <recipe> built with bigmath <version>".
        folder: where to build the folder (default ``OUT/hub``).
        max_shard_size: see :func:`build_hub_folder`.

    Raises:
        HubPushError: no token, Hub unreachable, token rejected, repo owned by someone else.
        bigmath.export.build_output.BuildOutputError: the build folder is incomplete.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, get_token
    from huggingface_hub.utils import filter_repo_objects

    build = build if isinstance(build, BuildOutput) else BuildOutput.open(build)
    # HF_ENDPOINT read now, not at huggingface_hub's import (same result for a one-shot CLI)
    api = HfApi(endpoint=endpoint or os.environ.get("HF_ENDPOINT") or None)
    if dry_run:
        return PushResult(build_hub_folder(build, folder, repo_id=repo_id, max_shard_size=max_shard_size))
    token = token or get_token()
    if not token:
        raise HubPushError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    try:
        whoami = api.whoami(token=token)
    except Exception as exc:  # translate Hub/network errors into one clear message
        raise _explain(exc, api.endpoint, repo_id) from None
    if "/" not in repo_id:
        repo_id = f"{whoami['name']}/{repo_id}"
    _check_namespace(whoami, repo_id)
    hub = build_hub_folder(build, folder, repo_id=repo_id, max_shard_size=max_shard_size)
    try:
        repo_url = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True, token=token)
        if revision and revision != "main":
            api.create_branch(repo_id, repo_type="dataset", branch=revision, exist_ok=True, token=token)
        remote = api.list_repo_files(repo_id, repo_type="dataset", revision=revision, token=token)
        stale = [f for f in filter_repo_objects(remote, allow_patterns=list(MANAGED_PATTERNS)) if f not in hub.files]
        operations = [CommitOperationDelete(path_in_repo=f) for f in stale]
        operations += [CommitOperationAdd(path_in_repo=f, path_or_fileobj=str(hub.root / f)) for f in hub.files]
        version = build.build["bigmath_version"]
        message = commit_message or f"Upload {build.recipe.get('name', 'dataset')} built with bigmath {version}"
        info = api.create_commit(
            repo_id, operations, commit_message=message, repo_type="dataset", revision=revision, token=token
        )
    except Exception as exc:
        raise _explain(exc, api.endpoint, repo_id) from None
    return PushResult(hub, str(repo_url), info.commit_url)
