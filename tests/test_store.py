import json
import os
import signal
import stat
import subprocess
import sys
import time

from baitwatch.store import ALLOWLIST_FILE, FEEDBACK_FILE, SETTINGS_FILE, Store


def test_values_survive_a_restart(tmp_path):
    store = Store(tmp_path)
    store.update_settings({"enabled": False})
    store.allow("example.com")
    store.add_feedback({"url": "https://a.example/", "label": "safe"})
    again = Store(tmp_path)
    assert again.settings == {"enabled": False, "familiar_sites": True}
    assert again.allowlist == ["example.com"]
    assert again.feedback() == [{"url": "https://a.example/", "label": "safe"}]
    assert again.problems == []
    assert stat.S_IMODE(os.stat(tmp_path / ALLOWLIST_FILE).st_mode) == 0o600


def test_a_corrupt_file_is_set_aside_reported_and_replaced_by_defaults(tmp_path):
    (tmp_path / SETTINGS_FILE).write_text("{not json")
    (tmp_path / ALLOWLIST_FILE).write_text('{"a": 1}')
    store = Store(tmp_path)
    assert store.settings == {"enabled": True, "familiar_sites": True}
    assert store.allowlist == []
    assert len(store.problems) == 2
    kept = sorted(p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name)
    assert [name.split(".corrupt-")[0] for name in kept] == [ALLOWLIST_FILE, SETTINGS_FILE]
    assert (tmp_path / kept[1]).read_text() == "{not json"


def test_a_torn_feedback_line_is_set_aside_and_good_lines_kept(tmp_path):
    good = json.dumps({"url": "https://a.example/", "label": "phishing"})
    (tmp_path / FEEDBACK_FILE).write_text(good + "\n" + '{"url": "https://b.exa')
    store = Store(tmp_path)
    assert store.feedback() == [json.loads(good)]
    assert store.feedback_count == 1
    assert any("1 damaged lines" in p for p in store.problems)
    assert any(".corrupt-" in p.name for p in tmp_path.iterdir())


WRITER = """
import sys
from pathlib import Path
from baitwatch.store import Store
store = Store(Path(sys.argv[1]))
for i in range(100000):
    store.allow(f"site{i}.example")
    store.add_feedback({"url": f"https://site{i}.example/", "label": "phishing", "pad": "x" * 2000})
    print(i, flush=True)
"""


def test_kill_during_writes_loses_nothing_already_saved(tmp_path):
    for attempt in range(3):
        folder = tmp_path / str(attempt)
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True)
        saved = -1
        deadline = time.time() + 60
        while saved < 20 + 15 * attempt and time.time() < deadline:
            saved = int(child.stdout.readline())
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        store = Store(folder)
        domains = set(store.allowlist)
        assert all(f"site{i}.example" in domains for i in range(saved + 1))
        urls = {entry["url"] for entry in store.feedback()}
        assert all(f"https://site{i}.example/" in urls for i in range(saved + 1))
