"""The Python sides of `cargo xtask bench compare` (BENCHMARKS.md, section 8).

    compare_worker.py sdk        Zoho's official Python SDK (PyPI `zohocrmsdk8-0`)
    compare_worker.py requests   raw `requests.Session`, decoding with `Response.json()`

Started by the xtask with the packages of requirements-bench.txt (target/bench-venv/), once per
side for the whole run. Environment:

  BENCH_SIM       the simulator's JSON line (api_domain, token_url, access_token, client_id,
                  client_secret, refresh_token, ...), as the bench's server process prints it
  BENCH_WORK_DIR  a directory this worker may write (the SDK's token file and resource path)

Protocol, one JSON object per line (stdin: commands, stdout: answers; nothing else is printed
on stdout):

  -> {"ready": SIDE, "versions": {...}}
  <- {"cmd": "prepare", "op": OP, "concurrency": C}
       C threads start; each makes one checked warm-up call, then waits.
  -> {"prepared": true, "check": "..."}          (what the warm-up calls read, for comparison)
  <- {"cmd": "go", "seconds": S}
       the clock starts; each thread calls OP in a loop until S seconds have passed.
  -> {"requests": N, "wall_s": W, "cpu_s": U, "user_s": ..., "sys_s": ..., "error": null}
  <- {"cmd": "quit"} (or end of input)

`cpu_s` is this process's CPU time (user + system, all threads, `getrusage(RUSAGE_SELF)`) from
the start of the clock until the last thread has finished its last call; `wall_s` likewise.

OP is one of `org_permissions` (GET /crm/v8/settings/data_sharing), `record_locking`
(GET /crm/v8/settings/record_locking_configurations?module=Deals) and `sharing_rules_200`
(GET /crm/v8/settings/data_sharing/rules?module=Leads&per_page=200).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
import traceback
from typing import Any, Callable

OPS = ("org_permissions", "record_locking", "sharing_rules_200")
LOCKING_MODULE = "Deals"
RULES_MODULE = "Leads"


def rusage() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def reply(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------
# The checks: the same summary from every side (the Rust sides print the same strings).


def check_org_permissions(n_modules: int) -> str:
    return f"{n_modules} modules"


def check_record_locking(config_id: Any, n_rules: int) -> str:
    return f"configuration {config_id} with {n_rules} locking rules"


def check_sharing_rules(n_rules: int, first_id: Any, last_id: Any) -> str:
    return f"{n_rules} rules, {first_id} .. {last_id}"


# ---------------------------------------------------------------------------------------------
# requests.Session: what a user of Zoho's REST API writes without the SDK.


class RequestsSide:
    name = "requests"

    def __init__(self, sim: dict[str, Any], work_dir: str) -> None:
        import requests

        self.requests = requests
        self.api = sim["api_domain"] + "/crm/v8"
        self.token = sim["access_token"]

    def versions(self) -> dict[str, str]:
        import requests
        import urllib3

        return {"requests": requests.__version__, "urllib3": urllib3.__version__}

    def thread_state(self) -> Any:
        # One Session per thread (a Session is not documented as thread-safe): keep-alive
        # connections, the token set once.
        s = self.requests.Session()
        s.headers["Authorization"] = "Zoho-oauthtoken " + self.token
        return s

    def call(self, op: str) -> Callable[[Any], str]:
        api = self.api

        def get(s: Any, path: str, params: dict[str, Any] | None) -> Any:
            r = s.get(api + path, params=params)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {r.status_code}: {r.text[:200]}")
            return r.json()

        if op == "org_permissions":

            def f(s: Any) -> str:
                body = get(s, "/settings/data_sharing", None)
                return check_org_permissions(len(body["data_sharing"]))

        elif op == "record_locking":
            params = {"module": LOCKING_MODULE}

            def f(s: Any) -> str:
                body = get(s, "/settings/record_locking_configurations", params)
                cfg = body["record_locking_configurations"][0]
                return check_record_locking(cfg["id"], len(cfg["locking_rules"]))

        elif op == "sharing_rules_200":
            params = {"module": RULES_MODULE, "per_page": 200}

            def f(s: Any) -> str:
                rules = get(s, "/settings/data_sharing/rules", params)["sharing_rules"]
                return check_sharing_rules(len(rules), rules[0]["id"], rules[-1]["id"])

        else:
            raise ValueError(f"unknown op {op}")
        return f


# ---------------------------------------------------------------------------------------------
# Zoho's official SDK, set up as its documentation describes, pointed at the simulator through
# its own options only (nothing in the SDK is patched):
#   * DataCenter.Environment(url, accounts_url, file_upload_url): the SDK's constructor for an
#     environment, here the simulator's API domain and token URL;
#   * OAuthToken(client_id, client_secret, refresh_token=..., find_user=False): the
#     refresh-token flow against the simulator's accounts endpoint (one token request at
#     initialization); find_user=False is the SDK's option to skip its
#     `GET /crm/v8/users?type=CurrentUser` look-up, which the simulator does not serve;
#   * FileStore(...): the SDK's default token store (a CSV file, which the SDK reads on every
#     call to find the token), in the worker's own directory;
#   * no Logger (the SDK's default: nothing is written).


class SdkSide:
    name = "sdk"

    def __init__(self, sim: dict[str, Any], work_dir: str) -> None:
        from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
        from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
        from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
        from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

        token_file = os.path.join(work_dir, "sdk_tokens.csv")
        if os.path.exists(token_file):
            os.remove(token_file)
        environment = DataCenter.Environment(
            sim["api_domain"], sim["token_url"], sim["api_domain"]
        )
        token = OAuthToken(
            client_id=sim["client_id"],
            client_secret=sim["client_secret"],
            refresh_token=sim["refresh_token"],
            find_user=False,
        )
        Initializer.initialize(
            environment=environment,
            token=token,
            store=FileStore(token_file),
            resource_path=work_dir,
        )

    def versions(self) -> dict[str, str]:
        from importlib.metadata import version

        return {"zohocrmsdk8-0": version("zohocrmsdk8-0"), "requests": version("requests")}

    def thread_state(self) -> Any:
        return None

    def call(self, op: str) -> Callable[[Any], str]:
        from zohocrmsdk.src.com.zoho.crm.api import ParameterMap
        from zohocrmsdk.src.com.zoho.crm.api.data_sharing import DataSharingOperations
        from zohocrmsdk.src.com.zoho.crm.api.record_locking_configuration import (
            RecordLockingConfigurationOperations,
        )
        from zohocrmsdk.src.com.zoho.crm.api.sharing_rules import (
            GetSharingRulesParam,
            SharingRulesOperations,
        )

        def ok(response: Any, what: str) -> Any:
            if response is None:
                raise RuntimeError(f"{what}: the SDK returned no response")
            if response.get_status_code() != 200:
                raise RuntimeError(f"{what}: HTTP {response.get_status_code()}")
            return response.get_object()

        if op == "org_permissions":

            def f(_: Any) -> str:
                body = ok(DataSharingOperations().get_data_sharing(), op)
                return check_org_permissions(len(body.get_data_sharing()))

        elif op == "record_locking":

            def f(_: Any) -> str:
                ops = RecordLockingConfigurationOperations(LOCKING_MODULE)
                body = ok(ops.get_record_locking_configurations(), op)
                cfg = body.get_record_locking_configurations()[0]
                return check_record_locking(cfg.get_id(), len(cfg.get_locking_rules()))

        elif op == "sharing_rules_200":

            def f(_: Any) -> str:
                params = ParameterMap()
                params.add(GetSharingRulesParam.per_page, 200)
                body = ok(SharingRulesOperations(RULES_MODULE).get_sharing_rules(params), op)
                rules = body.get_sharing_rules()
                return check_sharing_rules(len(rules), rules[0].get_id(), rules[-1].get_id())

        else:
            raise ValueError(f"unknown op {op}")
        return f


# ---------------------------------------------------------------------------------------------


def measure(side: Any, op: str, concurrency: int) -> None:
    call = side.call(op)
    warmed = threading.Barrier(concurrency + 1)
    go = threading.Event()
    clock: dict[str, float] = {}
    checks: list[str | None] = [None] * concurrency
    counts = [0] * concurrency
    errors: list[str | None] = [None] * concurrency

    def run(i: int) -> None:
        state = side.thread_state()
        try:
            checks[i] = call(state)
        except Exception:
            errors[i] = traceback.format_exc(limit=3)
        warmed.wait()
        go.wait()
        if errors[i] is not None:
            return
        deadline = clock["deadline"]
        n = 0
        try:
            while time.perf_counter() < deadline:
                call(state)
                n += 1
        except Exception:
            errors[i] = traceback.format_exc(limit=3)
        counts[i] = n

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    warmed.wait()
    distinct = sorted({c for c in checks if c is not None})
    reply(
        {
            "prepared": True,
            "check": distinct[0] if len(distinct) == 1 else " | ".join(distinct),
            "error": next((e for e in errors if e), None),
        }
    )

    cmd = json.loads(sys.stdin.readline() or '{"cmd": "quit"}')
    seconds = float(cmd.get("seconds", 1.0)) if cmd.get("cmd") == "go" else 0.0
    u0, s0 = rusage()
    t0 = time.perf_counter()
    clock["deadline"] = t0 + seconds
    go.set()
    for t in threads:
        t.join()
    t1 = time.perf_counter()
    u1, s1 = rusage()
    if cmd.get("cmd") != "go":
        sys.exit(0)
    reply(
        {
            "requests": sum(counts),
            "wall_s": t1 - t0,
            "cpu_s": (u1 - u0) + (s1 - s0),
            "user_s": u1 - u0,
            "sys_s": s1 - s0,
            "error": next((e for e in errors if e), None),
        }
    )


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in ("sdk", "requests"):
        print("usage: compare_worker.py sdk|requests", file=sys.stderr)
        return 2
    sim = json.loads(os.environ["BENCH_SIM"])
    work_dir = os.environ.get("BENCH_WORK_DIR") or os.getcwd()
    os.makedirs(work_dir, exist_ok=True)
    side = SdkSide(sim, work_dir) if sys.argv[1] == "sdk" else RequestsSide(sim, work_dir)
    versions = side.versions()
    versions["python"] = sys.version.split()[0]
    reply({"ready": side.name, "versions": versions})
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd.get("cmd") == "quit":
            break
        if cmd.get("cmd") != "prepare" or cmd.get("op") not in OPS:
            reply({"error": f"unexpected command {line.strip()}"})
            return 2
        measure(side, cmd["op"], int(cmd.get("concurrency", 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
