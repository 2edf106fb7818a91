"""Sweeps: cells computed once, stored under a content-addressed key, run on any executor.

A sweep applies one *task* to a list of :class:`Cell`\\ s. A cell is a frozen dataclass
``config`` and one :class:`numpy.random.SeedSequence` child; the task is called as
``task(config, seed)`` and returns a :data:`Result`: a dict from names to numpy arrays (not of
object dtype), floats or ints. Tasks must be importable top-level functions (a lambda or a
nested function is refused): the process pool and Dask import them by name in the workers, and
the key names them.

**Key** (:func:`cell_key`): sha256 over the canonical JSON of the task's qualified name, the
config (its fields with sorted keys; a numpy array field enters as its dtype, shape and the
sha256 of its bytes; any field that is not JSON, a tuple/list/dict of JSON, or an array is
refused), the seed's entropy and spawn key, and the code version (:func:`code_version`). The
cache is therefore invalidated by a change of config, seed, the losslab package version, or the
source of the module that defines the task, and by nothing else: an edit to a module the task
merely calls (a solver, a law) is not seen, so bump the version or clear the folder after one.

**Store** (:class:`Store`): per cell ``<key>.npz`` (the arrays) and ``<key>.json`` (the
sidecar: key, task, config, seed, code version, field kinds, sha256 of the npz bytes, creation
time). Writes are atomic (a temporary file in the same folder, fsync, :func:`os.replace`) and
the sidecar is written last: it is the commit marker. A read checks that the sidecar parses,
names its key, and that the npz bytes hash to its record; anything else (no sidecar, a truncated
or corrupt file) is deleted and the cell recomputed, never used. A temporary file is named
``.<target>.<host>.<pid>.<random>.tmp``; opening a store deletes the temporaries that a process
of this host which is no longer running left behind (a run killed mid-write), and leaves those
of live processes and of other hosts alone, so several runs may share one folder.

**Executors** (:class:`Serial`, :class:`ProcessPool`, :class:`Dask`): workers only compute and
return results; the parent alone writes the store, as each cell arrives, so a run killed at any
point keeps every cell committed before it. Results agree bit for bit across executors only
where the workers use as many BLAS threads as the serial process: Dask's nanny pins its workers
to one (``OMP_NUM_THREADS=1``), and a multi-threaded BLAS may round large products differently.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import logging
import multiprocessing
import os
import re
import secrets
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, fields, is_dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Self

import numpy as np
from tqdm import tqdm

Result = dict[str, np.ndarray | float | int]
Task = Callable[[Any, np.random.SeedSequence], Result]
EXECUTORS = ("serial", "process", "dask")
TEMPORARY = re.compile(r"\..+\.(?P<host>[^.]+)\.(?P<pid>[0-9]+)\.[^.]+\.tmp")
"""The name of a store's temporary file: ``.<target>.<host>.<pid>.<random>.tmp``."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cell:
    """One point of a sweep: a frozen dataclass config and its own SeedSequence child."""

    config: Any
    seed: np.random.SeedSequence


def task_name(task: Task) -> str:
    """``module:qualname`` of a task, checked to resolve back to the task itself."""
    module, qualname = getattr(task, "__module__", None), getattr(task, "__qualname__", "")
    found: Any = sys.modules.get(module or "")
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if found is not task:
        raise TypeError(
            f"a sweep task must be an importable top-level function, got {module}:{qualname}"
        )
    return f"{module}:{qualname}"


def code_version(task: Task) -> str:
    """The losslab version and the sha256 of the source file of the task's module."""
    source = Path(inspect.getfile(sys.modules[task.__module__])).read_bytes()
    try:
        version = metadata.version("losslab")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"{version}+{hashlib.sha256(source).hexdigest()[:16]}"


def canonical_config(config: Any) -> dict[str, Any]:
    """The config as plain JSON values (see the module docstring for what is accepted)."""
    if not (is_dataclass(config) and not isinstance(config, type)):
        raise TypeError(f"a sweep config must be a dataclass instance, got {type(config).__name__}")
    if not type(config).__dataclass_params__.frozen:
        raise TypeError(f"a sweep config must be a frozen dataclass: {type(config).__name__}")
    return {f.name: _plain(getattr(config, f.name), f.name) for f in fields(config)}


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not np.isfinite(value):
            raise ValueError(f"config field {where} is not finite: {value}")
        return value
    if isinstance(value, tuple | list):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype != object:
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"ndarray": {"dtype": value.dtype.str, "shape": list(value.shape), "sha256": digest}}
    raise TypeError(f"config field {where} of type {type(value).__name__} is not JSON-able")


def identity(task: Task, cell: Cell) -> dict[str, Any]:
    """What a cell's key hashes: task, config, seed and code version."""
    if not isinstance(cell.seed, np.random.SeedSequence):
        raise TypeError(f"a cell seed must be a SeedSequence, got {type(cell.seed).__name__}")
    return {
        "task": task_name(task),
        "config": canonical_config(cell.config),
        "seed": {"entropy": cell.seed.entropy, "spawn_key": list(cell.seed.spawn_key)},
        "code_version": code_version(task),
    }


def cell_key(task: Task, cell: Cell) -> str:
    """The content-addressed key of a cell: sha256 of its :func:`identity`."""
    return _key(identity(task, cell))


def _key(record: dict[str, Any]) -> str:
    return hashlib.sha256(_json(record).encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _kinds(result: Any) -> dict[str, str]:
    """The kind (array, float or int) of every field of a task's result; refuses anything else."""
    if not isinstance(result, dict) or not result:
        raise TypeError(f"a sweep task must return a non-empty dict, got {type(result).__name__}")
    kinds = {}
    for name, value in result.items():
        if not isinstance(name, str):
            raise TypeError(f"result field names must be strings, got {name!r}")
        if isinstance(value, np.ndarray) and value.dtype != object:
            kinds[name] = "array"
        elif isinstance(value, float | np.floating):
            kinds[name] = "float"
        elif isinstance(value, int | np.integer) and not isinstance(value, bool):
            kinds[name] = "int"
        else:
            raise TypeError(
                f"result field {name!r} of type {type(value).__name__} cannot be stored"
            )
    return kinds


def compute(task: Task, config: Any, seed: np.random.SeedSequence) -> Result:
    """Run one cell and check that its result can be stored (what every executor calls)."""
    result = task(config, seed)
    _kinds(result)
    return result


def first_difference(first: list[Result], second: list[Result]) -> str | None:
    """Where two lists of results first differ bit for bit, as ``"cell i, field f: ..."``, or
    None when they are identical: arrays by dtype, shape and bytes, numbers by type and value
    (a NaN equals a NaN). How executors and stores are compared with a serial run."""
    if len(first) != len(second):
        return f"{len(first)} results against {len(second)}"
    for index, (a, b) in enumerate(zip(first, second)):
        if a.keys() != b.keys():
            return f"cell {index}: fields {sorted(a)} against {sorted(b)}"
        for name, x in a.items():
            y = b[name]
            if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
                same = (x.dtype, x.shape, x.tobytes()) == (y.dtype, y.shape, y.tobytes())
            else:
                same = type(x) is type(y) and (x == y or bool(np.isnan(x) and np.isnan(y)))
            if not same:
                return f"cell {index}, field {name}: {x!r} against {y!r}"
    return None


class Store:
    """A folder of committed cells (layout and commit protocol in the module docstring)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_orphaned_temporaries()

    def _remove_orphaned_temporaries(self) -> None:
        host = _host()
        for path in self.root.glob(".*.tmp"):
            owner = TEMPORARY.fullmatch(path.name)
            if owner and owner["host"] == host and not _running(int(owner["pid"])):
                log.info("sweep store %s: removing %s (its writer is gone)", self.root, path.name)
                path.unlink(missing_ok=True)

    def paths(self, key: str) -> tuple[Path, Path]:
        """The npz and the sidecar of a key."""
        return self.root / f"{key}.npz", self.root / f"{key}.json"

    def load(self, key: str) -> Result | None:
        """The committed result of ``key``, or ``None`` (after deleting what is there) if the
        cell is missing, uncommitted or corrupt."""
        npz, sidecar = self.paths(key)
        if not sidecar.exists():
            if npz.exists():
                self._discard(key, "npz without sidecar (uncommitted)")
            return None
        try:
            record = json.loads(sidecar.read_text())
            data = npz.read_bytes()
            if record["key"] != key or hashlib.sha256(data).hexdigest() != record["npz_sha256"]:
                raise ValueError("npz bytes do not match the sidecar")
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                if sorted(arrays.files) != sorted(record["fields"]):
                    raise ValueError("npz fields do not match the sidecar")
                return {
                    name: _decode(arrays[name], kind) for name, kind in record["fields"].items()
                }
        except (OSError, ValueError, KeyError, TypeError) as error:
            self._discard(key, str(error))
            return None

    def save(self, key: str, result: Result, record: dict[str, Any]) -> None:
        """Commit ``result``: the npz first, then the sidecar (with ``record``) as the marker."""
        kinds = _kinds(result)
        buffer = io.BytesIO()
        np.savez(buffer, **{name: np.asarray(value) for name, value in result.items()})
        data = buffer.getvalue()
        npz, sidecar = self.paths(key)
        self._write(npz, data)
        sidecar_record = {
            **record,
            "key": key,
            "fields": kinds,
            "npz_sha256": hashlib.sha256(data).hexdigest(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        self._write(sidecar, json.dumps(sidecar_record, indent=1, sort_keys=True).encode())
        directory = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def _write(self, path: Path, data: bytes) -> None:
        write_atomically(path, data)

    def _discard(self, key: str, why: str) -> None:
        log.warning("sweep store %s: discarding cell %s: %s", self.root, key, why)
        for path in self.paths(key)[::-1]:
            path.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, flushed to disk and
    renamed over ``path``: a reader sees the old file or the whole new one. The file gets the
    permissions of a plain ``open`` (0o666 less the user's umask), not a temporary file's 0o600."""
    temporary = path.with_name(f".{path.name}.{_host()}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _host() -> str:
    """This host's name as one dot-free field of a temporary file's name."""
    return socket.gethostname().replace(".", "_")


def _running(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (one we may not signal counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _decode(array: np.ndarray, kind: str) -> np.ndarray | float | int:
    if kind == "array":
        return array
    if kind == "float":
        return float(array)
    if kind == "int":
        return int(array)
    raise ValueError(f"unknown field kind {kind!r}")


class Executor:
    """The seam: :meth:`map_unordered` yields ``(index, result)`` for each ``(index, cell)`` job
    as it completes. A context manager; :meth:`close` releases workers."""

    name = "serial"

    def map_unordered(
        self, task: Task, jobs: list[tuple[int, Cell]]
    ) -> Iterator[tuple[int, Result]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the executor's workers (nothing to release in-process)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Serial(Executor):
    """Every cell in this process, in order (the default)."""

    def map_unordered(self, task, jobs):
        for index, cell in jobs:
            yield index, compute(task, cell.config, cell.seed)


class ProcessPool(Executor):
    """A local pool of ``workers`` processes (default: one per usable core) started with the
    ``spawn`` method."""

    name = "process"

    def __init__(self, workers: int | None = None):
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def map_unordered(self, task, jobs):
        futures = {
            self._pool.submit(compute, task, cell.config, cell.seed): index for index, cell in jobs
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


class Dask(Executor):
    """Dask distributed: the scheduler at ``address``, or, without one, a local cluster of
    ``workers`` single-threaded worker processes on loopback. An unreachable scheduler raises
    :class:`OSError` within ``timeout`` seconds."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int = 2, timeout: float = 10.0):
        from distributed import Client, LocalCluster

        self._cluster = None
        if address is None:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            address = self._cluster.scheduler_address
        try:
            self._client = Client(address, timeout=timeout)
        except BaseException:
            if self._cluster is not None:
                self._cluster.close()
            raise

    def map_unordered(self, task, jobs):
        from distributed import as_completed as completed

        futures = {
            self._client.submit(compute, task, cell.config, cell.seed, pure=False): index
            for index, cell in jobs
        }
        try:
            for future in completed(list(futures)):
                yield futures[future], future.result()
        finally:
            self._client.cancel(list(futures))

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(name: str, scheduler: str | None = None) -> Executor:
    """The executor called ``name`` (one of :data:`EXECUTORS`); ``scheduler`` is the address of
    a Dask scheduler and is only valid with ``dask``."""
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
    if scheduler is not None and name != "dask":
        raise ValueError("a scheduler address needs the dask executor")
    if name == "dask":
        return Dask(scheduler)
    return ProcessPool() if name == "process" else Serial()


def run_sweep(
    task: Task,
    cells: Iterable[Cell],
    store: Store | None = None,
    executor: Executor | None = None,
) -> list[Result]:
    """The results of ``task`` on ``cells``, in cell order.

    Cells committed in ``store`` are read back, not recomputed; the others (each distinct key
    once) go to ``executor`` (default :class:`Serial`) and are committed as they complete. A
    progress bar on stderr counts cells (shown on a terminal only).
    """
    cells = list(cells)
    records = [identity(task, cell) for cell in cells]
    keys = [_key(record) for record in records]
    results: list[Result | None] = [None] * len(cells)
    missing: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        cached = store.load(key) if store is not None else None
        if cached is None:
            missing.setdefault(key, []).append(index)
        else:
            results[index] = cached
    todo = sum(len(indices) for indices in missing.values())
    jobs = [(indices[0], cells[indices[0]]) for indices in missing.values()]
    with tqdm(
        total=len(cells),
        initial=len(cells) - todo,
        desc=task.__qualname__,
        unit="cell",
        disable=None,
        leave=False,
        file=sys.stderr,
    ) as bar:
        for index, result in (executor or Serial()).map_unordered(task, jobs):
            key = keys[index]
            if store is not None:
                store.save(key, result, records[index])
            for same in missing[key]:
                results[same] = result
            bar.update(len(missing[key]))
    return results
