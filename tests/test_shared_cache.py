"""Work done once for several server processes: the shared cache's lock and the training lock.

Real processes (spawned, as separate servers are), so that the locks are what the system holds
between processes, not a thread's."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from fer_core.errors import NameTaken
from fer_core.shared_cache import computed_once, lock_path
from fer_core.store import ModelStore

SPAWN = multiprocessing.get_context("spawn")


def _slow_compute(counter: Path, seconds: float):
    def compute(progress) -> bytes:
        with open(counter, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")
        progress(1, 2)
        time.sleep(seconds)
        return f"computed by {os.getpid()}".encode()

    return compute


def _ask(cache: Path, counter: Path, seen: Path, barrier, results) -> None:
    """One server asking for the cache at the same moment as the other."""
    barrier.wait(timeout=60)
    value = computed_once(cache, _slow_compute(counter, 1.5), poll=0.05,
                          waiting=lambda done, total: seen.open("a").write(f"{done} {total}\n"))
    results.put(value)


def _hold(cache: Path, counter: Path) -> None:
    """A server that starts computing, then hangs until it is killed."""
    computed_once(cache, _slow_compute(counter, 600))


def _train(store_root: Path, started: Path) -> None:
    with ModelStore(store_root).training_lock("fer_vgg_2"):
        started.touch()
        time.sleep(600)


def _wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_two_servers_asking_at_once_compute_once_and_read_the_same(tmp_path) -> None:
    cache, counter, seen = tmp_path / "shared" / "maps.npz", tmp_path / "count", tmp_path / "seen"
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    servers = [SPAWN.Process(target=_ask, args=(cache, counter, seen, barrier, results))
               for _ in range(2)]
    for server in servers:
        server.start()
    values = [results.get(timeout=120) for _ in servers]
    for server in servers:
        server.join(timeout=30)
        assert server.exitcode == 0
    assert len(counter.read_text().split()) == 1  # one computation for both
    assert values[0] == values[1] == cache.read_bytes()
    assert "1 2" in seen.read_text()  # the waiter heard the computing one's progress
    assert not lock_path(cache).exists()  # tidied once the file is there


def test_a_crashed_holder_does_not_block_the_others(tmp_path) -> None:
    cache, counter = tmp_path / "maps.npz", tmp_path / "count"
    holder = SPAWN.Process(target=_hold, args=(cache, counter))
    holder.start()
    try:
        _wait_for(counter)  # the holder has the lock and is computing
        waited, found = threading.Event(), []
        asker = threading.Thread(target=lambda: found.append(computed_once(
            cache, lambda progress: b"mine", poll=0.05, waiting=lambda *_: waited.set())))
        asker.start()
        assert waited.wait(30)  # it waits instead of computing
        os.kill(holder.pid, signal.SIGKILL)  # the server dies mid-computation
        asker.join(timeout=30)
        assert found == [b"mine"] and cache.read_bytes() == b"mine"
        assert not lock_path(cache).exists()  # the dead one's lock file, tidied by the next
    finally:
        holder.kill()
        holder.join(timeout=30)


def test_a_failed_computation_is_tried_again(tmp_path) -> None:
    cache = tmp_path / "maps.npz"

    def fails(progress) -> bytes:
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError):
        computed_once(cache, fails)
    assert not cache.exists()
    assert computed_once(cache, lambda progress: b"second try") == b"second try"
    assert computed_once(cache, fails) == b"second try"  # read, not computed


def test_a_name_being_trained_is_refused_to_a_second_run(tmp_path) -> None:
    store = ModelStore(tmp_path / "models")
    with store.training_lock("fer_vgg"):
        assert store.training("fer_vgg") and not store.training("custom_cnn")
        with pytest.raises(NameTaken, match="a run is already training fer_vgg"):
            with store.training_lock("fer_vgg", tries=1):
                pass
        with store.training_lock("custom_cnn"):  # another name is fine
            pass
        assert store.free_name("fer_vgg") == "fer_vgg_2"  # the page proposes another name
    assert not store.training("fer_vgg") and store.free_name("fer_vgg") == "fer_vgg"
    with store.training_lock("fer_vgg"):  # free again once the run ended
        pass
    assert list(store.root.iterdir()) == []  # no lock file outlives its run


def test_a_run_in_another_process_holds_its_name_until_it_dies(tmp_path) -> None:
    root, started = tmp_path / "models", tmp_path / "started"
    other = SPAWN.Process(target=_train, args=(root, started))
    other.start()
    try:
        _wait_for(started)
        with pytest.raises(NameTaken, match=rf"already training fer_vgg_2 \(process {other.pid}"):
            with ModelStore(root).training_lock("fer_vgg_2", tries=1):
                pass
        with ModelStore(root).training_lock("fer_vgg_3"):
            pass
    finally:
        other.kill()
        other.join(timeout=30)
    with ModelStore(root).training_lock("fer_vgg_2"):  # released by its death
        pass


def test_emotion_maps_wait_for_another_servers_computation(tmp_path) -> None:
    """The Emotions page's averages: while another server holds the cache's lock, this one
    hears of that one's progress and reads its file instead of computing."""
    import numpy as np

    from fer_core.atomic import atomic_path
    from fer_core.data import load_dataset
    from fer_core.explain import classes
    from fer_core.paths import cache_dir
    from fer_core.shared_cache import exclusive

    from .helpers import CLASSES, save_tiny, write_folder_layout

    stored = save_tiny(ModelStore(tmp_path / "models"), "tiny")
    dataset = load_dataset(write_folder_layout(tmp_path / "fer", per_class=2, splits=("test",)))
    name = classes._key(stored, "gradcam", dataset.split("test"), classes.PER_CLASS)
    cached = cache_dir("emotion_maps") / f"{name}.npz"
    heard, found = [], []
    with exclusive(lock_path(cached), note="40 700\n") as other_server:
        assert other_server is not None
        asker = threading.Thread(target=lambda: found.append(classes.emotion_maps(
            stored, dataset, "gradcam", waiting=lambda *progress: heard.append(progress))))
        asker.start()
        _wait_for_call(heard)
        with atomic_path(cached) as staged, open(staged, "wb") as file:  # as servers write
            np.savez(file, **{emotion: np.full((48, 48), 0.5) for emotion in CLASSES})
    asker.join(timeout=60)
    assert heard[0] == (40, 700) and found[0].maps["happy"][0, 0] == 0.5  # its file, read


def _wait_for_call(calls: list, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not calls:
        assert time.monotonic() < deadline, "never called"
        time.sleep(0.05)
