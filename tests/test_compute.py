"""The dashboard's compute sharing (``dashboard/compute.py``), without a page: the turn lock that
orders the sessions' model time, and the shared jobs that every session follows."""

from __future__ import annotations

import time

import pytest


def test_model_time_serves_quick_work_then_the_earliest_click_then_long_jobs() -> None:
    """Runs that began earlier get the model first, whatever order they ask in, and a face's
    predictions go ahead of them all: a class's faces finish one after another instead of
    all near the end, and nobody waits for the others' maps to read the predictions. A batch
    of a long job waits for every click, even one begun after it."""
    import threading

    from dashboard.compute import TurnLock, begin_turn

    lock, served = TurnLock(), []
    runs = (("long job", 0.0, "background"), ("first", 0.05, ""), ("second", 0.1, ""),
            ("third", 0.15, ""), ("predictions", 0.2, "quick"))
    asked = threading.Barrier(len(runs) + 1)

    def session(name: str, delay: float, kind: str) -> None:
        time.sleep(delay)
        begin_turn()
        asked.wait()  # every run has begun; now they ask in the reverse order
        time.sleep(0.3 - delay)
        with getattr(lock, kind) if kind else lock:
            served.append(name)

    with lock:
        threads = [threading.Thread(target=session, args=run) for run in runs]
        for thread in threads:
            thread.start()
        asked.wait()
        time.sleep(0.5)  # all of them are waiting
        begin_turn()
        assert lock.runs_ahead() == len(runs)  # a click begun now waits for all but the job
    for thread in threads:
        thread.join()
    assert served == ["predictions", "first", "second", "third", "long job"]


def test_shared_work_is_one_job_of_the_process_that_every_session_follows() -> None:
    """Ten sessions open a page whose averages are not cached yet: one job computes them for
    all, on a thread of the process, and each session reads its result; a session that stops
    following takes nothing with it, and a later one reads the result at once."""
    import threading

    from dashboard.compute import SharedJobs

    jobs, computed, release = SharedJobs(), [], threading.Event()

    def work(progress) -> str:
        computed.append(threading.current_thread().name)
        for step in range(1, 4):
            release.wait()
            progress(step, 3)
        return "maps"

    followed = [jobs.start(("model", "data"), "model", work) for _ in range(10)]
    assert len({id(job) for job in followed}) == 1 and not followed[0].wait(0.1)
    release.set()  # every page that was waiting may have left by now: the job goes on
    assert followed[0].outcome() == "maps" and (followed[0].done, followed[0].total) == (3, 3)
    assert computed == ["job model"]
    later = jobs.start(("model", "data"), "model", work)
    assert later.wait(0) and later.outcome() == "maps" and len(computed) == 1
    other = jobs.start(("another", "data"), "another", lambda progress: "other")
    assert other.outcome() == "other" and len(computed) == 1


def test_a_failed_job_tells_every_follower_and_the_next_ask_retries() -> None:
    from dashboard.compute import SharedJobs
    from fer_core.errors import ModelError

    jobs, tries = SharedJobs(), []

    def work(progress) -> str:
        tries.append(1)
        if len(tries) == 1:
            raise ModelError("tiny: model.keras does not load")
        return "maps"

    failed = jobs.start("key", "tiny", work)
    for _ in range(2):  # each follower sees the same error
        with pytest.raises(ModelError, match="does not load"):
            failed.outcome()
    assert jobs.start("key", "tiny", work).outcome() == "maps" and len(tries) == 2


def test_a_job_estimates_its_time_left_from_its_pace() -> None:
    from dashboard.compute import Job

    job = Job("tiny")
    assert job.seconds_left() is None
    job._began -= 10  # ten seconds in, a quarter done
    job.progress(25, 100)
    assert 29 < job.seconds_left() < 31
