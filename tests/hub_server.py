"""A local stand-in for the Hugging Face Hub HTTP API, for testing ``bigmath push`` offline.

It is a test double for a remote service: the client under test is the real ``huggingface_hub``
(pointed here with ``HF_ENDPOINT``/``HfApi(endpoint=...)`` and ``HF_HUB_DISABLE_XET=1`` so files
travel by the classic LFS protocol). It serves exactly the routes that ``whoami``,
``create_repo``, ``create_branch``, ``list_repo_files`` and ``create_commit`` call in
huggingface_hub 2.x (read from its source: ``hf_api.py``, ``_commit_api.py``, ``lfs.py``)::

    GET  /api/whoami-v2
    POST /api/repos/create
    POST /api/datasets/{ns}/{name}/branch/{branch}
    GET  /api/datasets/{ns}/{name}/tree/{revision}
    POST /api/validate-yaml
    POST /api/datasets/{ns}/{name}/preupload/{revision}
    POST /datasets/{ns}/{name}.git/info/lfs/objects/batch
    PUT  /lfs/{oid}                        (LFS basic transfer; sha256 checked)
    POST /lfs/verify
    POST /api/datasets/{ns}/{name}/commit/{revision}   (ndjson: header, file, lfsFile, deletedFile)

Repos live in memory: ``server.repos[repo_id]["branches"][branch]`` maps path -> bytes, and
``server.commits`` lists every commit (repo, branch, message, paths added and deleted).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

import yaml

_BINARY = (".parquet", ".png")
_REPO = r"/(?P<repo>[^/]+/[^/]+)"


class FakeHub(ThreadingHTTPServer):
    """The server. ``user`` owns the token; it may write to its own namespace and ``orgs``."""

    daemon_threads = True

    def __init__(self, token: str = "hf_test_token", user: str = "tester", orgs: tuple[str, ...] = ("bigmath-org",)):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token, self.user, self.orgs = token, user, orgs
        self.repos: dict[str, dict] = {}
        self.lfs: dict[str, bytes] = {}
        self.commits: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "FakeHub":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def files(self, repo_id: str, branch: str = "main") -> dict[str, bytes]:
        """Files of ``repo_id`` on ``branch`` (path -> content)."""
        return self.repos[repo_id]["branches"][branch]


class _Handler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    # -- plumbing -----------------------------------------------------------------------------
    def _send(self, status: int, body=None, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._send(401, {"error": "Invalid credentials in Authorization header"})
            return False
        return True

    def _writable(self, repo_id: str) -> bool:
        if repo_id.split("/")[0] not in (self.server.user, *self.server.orgs):
            self._send(403, {"error": "You don't have the rights to create a repo in this namespace"})
            return False
        return True

    def _repo(self, repo_id: str, revision: str | None = None) -> dict | None:
        repo = self.server.repos.get(repo_id)
        if repo is None:
            self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            return None
        if revision is not None and revision not in repo["branches"]:
            self._send(404, {"error": f"Invalid rev id: {revision}"}, {"X-Error-Code": "RevisionNotFound"})
            return None
        return repo

    def _route(self, method: str) -> None:
        path = urlparse(self.path).path
        self.server.requests.append((method, path))
        for route_method, pattern, handler in _ROUTES:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                if handler.__name__ != "lfs_put" and not self._authorised():
                    return
                return handler(self, **{k: unquote(v) for k, v in match.groupdict().items()})
        self._send(404, {"error": f"no route {method} {path}"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    # -- routes -------------------------------------------------------------------------------
    def whoami(self) -> None:
        orgs = [{"name": org, "type": "org"} for org in self.server.orgs]
        self._send(200, {"type": "user", "name": self.server.user, "orgs": orgs, "auth": {"accessToken": {"role": "write"}}})

    def create_repo(self) -> None:
        payload = json.loads(self._body())
        repo_id = f"{payload.get('organization') or self.server.user}/{payload['name']}"
        if not self._writable(repo_id):
            return
        if repo_id in self.server.repos:
            return self._send(409, {"error": "You already created this dataset repo", "url": f"{self.server.url}/datasets/{repo_id}"})
        self.server.repos[repo_id] = {"type": payload.get("type"), "visibility": payload.get("visibility"), "branches": {"main": {}}}
        self._send(200, {"url": f"{self.server.url}/datasets/{repo_id}"})

    def create_branch(self, repo: str, branch: str) -> None:
        found = self._repo(repo)
        if found is None or not self._writable(repo):
            return
        if branch in found["branches"]:
            return self._send(409, {"error": "Reference already exists"})
        found["branches"][branch] = dict(found["branches"]["main"])
        self._send(200, {})

    def tree(self, repo: str, revision: str) -> None:
        found = self._repo(repo, revision)
        if found is not None:
            files = found["branches"][revision]
            entries = [{"type": "file", "path": p, "size": len(b), "oid": hashlib.sha1(b).hexdigest()} for p, b in sorted(files.items())]
            self._send(200, entries)

    def validate_yaml(self) -> None:
        content = json.loads(self._body())["content"]
        match = re.match(r"^---\n(.*?)\n---\n", content, re.DOTALL)
        try:
            data = yaml.safe_load(match.group(1)) if match else None
        except yaml.YAMLError as exc:
            return self._send(400, {"errors": [{"message": str(exc)}]})
        if not isinstance(data, dict):
            return self._send(400, {"errors": [{"message": "metadata must be a YAML mapping"}]})
        self._send(200, {"errors": [], "warnings": []})

    def preupload(self, repo: str, revision: str) -> None:
        if self._repo(repo, revision) is None or not self._writable(repo):
            return
        files = json.loads(self._body())["files"]
        modes = [{"path": f["path"], "uploadMode": "lfs" if f["path"].endswith(_BINARY) else "regular", "shouldIgnore": False} for f in files]
        self._send(200, {"files": modes, "commitOid": "0" * 40})

    def lfs_batch(self, repo: str) -> None:
        if self._repo(repo) is None or not self._writable(repo):
            return
        objects = []
        for obj in json.loads(self._body())["objects"]:
            entry = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.server.lfs:
                entry["actions"] = {
                    "upload": {"href": f"{self.server.url}/lfs/{obj['oid']}", "header": {}},
                    "verify": {"href": f"{self.server.url}/lfs/verify", "header": {}},
                }
            objects.append(entry)
        self._send(200, {"transfer": "basic", "objects": objects})

    def lfs_put(self, oid: str) -> None:
        data = self._body()
        if hashlib.sha256(data).hexdigest() != oid:
            return self._send(400, {"error": "sha256 mismatch"})
        self.server.lfs[oid] = data
        self._send(200)

    def lfs_verify(self) -> None:
        payload = json.loads(self._body())
        stored = self.server.lfs.get(payload["oid"])
        self._send(200 if stored is not None and len(stored) == payload["size"] else 404, {})

    def commit(self, repo: str, revision: str) -> None:
        found = self._repo(repo, revision)
        if found is None or not self._writable(repo):
            return
        files = dict(found["branches"][revision])
        added, deleted, message = [], [], ""
        for line in self._body().splitlines():
            item = json.loads(line)
            value = item["value"]
            if item["key"] == "header":
                message = value["summary"]
            elif item["key"] == "file":
                files[value["path"]] = base64.b64decode(value["content"])
                added.append(value["path"])
            elif item["key"] == "lfsFile":
                if value["oid"] not in self.server.lfs:
                    return self._send(400, {"error": f"LFS object {value['oid']} was never uploaded"})
                files[value["path"]] = self.server.lfs[value["oid"]]
                added.append(value["path"])
            elif item["key"] in ("deletedFile", "deletedFolder"):
                files = {p: b for p, b in files.items() if p != value["path"] and not p.startswith(value["path"] + "/")}
                deleted.append(value["path"])
        found["branches"][revision] = files
        oid = hashlib.sha1(f"{repo}{revision}{len(self.server.commits)}".encode()).hexdigest()
        self.server.commits.append({"repo": repo, "branch": revision, "message": message, "added": added, "deleted": deleted})
        self._send(200, {"commitUrl": f"{self.server.url}/datasets/{repo}/commit/{oid}", "commitOid": oid, "pullRequestUrl": None})


_ROUTES = [
    ("GET", r"/api/whoami-v2", _Handler.whoami),
    ("POST", r"/api/repos/create", _Handler.create_repo),
    ("POST", rf"/api/datasets{_REPO}/branch/(?P<branch>.+)", _Handler.create_branch),
    ("GET", rf"/api/datasets{_REPO}/tree/(?P<revision>[^/]+)(?:/.*)?", _Handler.tree),
    ("POST", r"/api/validate-yaml", _Handler.validate_yaml),
    ("POST", rf"/api/datasets{_REPO}/preupload/(?P<revision>.+)", _Handler.preupload),
    ("POST", rf"/datasets{_REPO}\.git/info/lfs/objects/batch", _Handler.lfs_batch),
    ("PUT", r"/lfs/(?P<oid>[0-9a-f]{64})", _Handler.lfs_put),
    ("POST", r"/lfs/verify", _Handler.lfs_verify),
    ("POST", rf"/api/datasets{_REPO}/commit/(?P<revision>.+)", _Handler.commit),
]
