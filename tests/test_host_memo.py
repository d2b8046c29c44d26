"""Answers remembered per host: for the person's own requests only, and bounded."""

from baitwatch.host_memo import REMEMBERED_HOSTS, HostMemo, remembering


class Counted:
    def __init__(self):
        self.asked: list[str] = []

    def __call__(self, host: str) -> str:
        self.asked.append(host)
        return host.upper()


def test_only_the_persons_requests_read_or_fill_the_memo():
    memo, compute = HostMemo(), Counted()
    assert [memo.answer("a.example", compute) for _ in range(2)] == ["A.EXAMPLE"] * 2
    assert compute.asked == ["a.example"] * 2 and "a.example" not in memo  # another process: worked out each time
    with remembering():
        assert [memo.answer("a.example", compute) for _ in range(2)] == ["A.EXAMPLE"] * 2
    assert compute.asked == ["a.example"] * 3 and "a.example" in memo
    assert memo.answer("a.example", compute) == "A.EXAMPLE" and len(compute.asked) == 4  # remembered, yet not read


def test_a_remembered_none_is_an_answer_too():
    memo, asked = HostMemo(), []
    with remembering():
        for _ in range(3):
            assert memo.answer("b.example", lambda host: asked.append(host)) is None
    assert asked == ["b.example"]


def test_the_memo_keeps_the_latest_hosts_only():
    memo, compute = HostMemo(), Counted()
    with remembering():
        for number in range(REMEMBERED_HOSTS + 1):
            memo.answer(f"h{number}.example", compute)
    assert "h0.example" not in memo and f"h{REMEMBERED_HOSTS}.example" in memo and "h1.example" in memo
