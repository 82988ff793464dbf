"""Log order, on its own: whatever order broadcasts arrive in, events go out in log order, once."""

from __future__ import annotations

from itertools import accumulate

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from realtime.ordering import LogOrder


def chain_of(ids: list[int]) -> list[dict]:
    """Logged events as the fan-out receives them: each names the one before it."""
    ids = sorted(ids)
    return [
        {"event_id": event_id, "previous": previous}
        for previous, event_id in zip([0, *ids[:-1]], ids, strict=True)
    ]


# Ids increase with gaps (other rooms' events, rolled-back transactions).
event_ids = st.lists(st.integers(1, 5), min_size=1, max_size=25).map(lambda s: list(accumulate(s)))
# The machine is shared: generation time says nothing about the code under test.
shared_machine = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def arrivals(draw):
    """A chain, and its events arriving shuffled, some of them twice."""
    chain = chain_of(draw(event_ids))
    repeats = draw(st.lists(st.sampled_from(chain), max_size=10))
    return chain, draw(st.permutations(chain + repeats))


@shared_machine
@given(arrivals())
def test_events_arriving_in_any_order_go_out_in_log_order_each_once(case):
    chain, arrived = case
    order = LogOrder(delivered_upto=0)
    out = [message for message in arrived for message in order.arrived(message)]
    assert out == chain
    assert order.waiting == {}


@st.composite
def losses(draw):
    """A chain, and the events whose broadcast arrived (the rest were lost), shuffled."""
    chain = chain_of(draw(event_ids))
    kept = draw(st.lists(st.booleans(), min_size=len(chain), max_size=len(chain)))
    survivors = [message for message, keep in zip(chain, kept, strict=True) if keep]
    return chain, draw(st.permutations(survivors))


@shared_machine
@given(losses())
def test_reading_the_gap_from_the_log_delivers_what_was_lost_in_order(case):
    chain, arrived = case
    order = LogOrder(delivered_upto=0)
    out = [message for message in arrived for message in order.arrived(message)]
    # The fan-out reads the log after the newest delivered event, up to the newest waiting one.
    upto = order.gap_upto()
    after = order.delivered_upto
    gap = [m for m in chain if m["event_id"] > after and (upto is None or m["event_id"] <= upto)]
    for logged in gap:
        out.extend(order.from_log(logged))
    out.extend(order.flush())
    delivered = [m["event_id"] for m in out]
    assert delivered == sorted(set(delivered))  # in order, each once
    assert delivered == [m["event_id"] for m in chain][: len(delivered)]
    assert order.waiting == {}


def test_a_waiting_event_whose_predecessor_was_pruned_goes_out_after_the_gap_read():
    order = LogOrder(delivered_upto=5)
    later = {"event_id": 9, "previous": 8}
    last = {"event_id": 12, "previous": 9}
    assert order.arrived(last) == []
    assert order.arrived(later) == []
    # The log no longer has 6-8: nothing read, the waiting events go out in id order.
    assert order.flush() == [later, last]
    assert order.delivered_upto == 12
    assert order.arrived({"event_id": 9, "previous": 8}) == []  # a late copy


def test_events_committed_before_the_process_subscribed_are_not_delivered_live():
    order = LogOrder(delivered_upto=100)
    assert order.arrived({"event_id": 99, "previous": 98}) == []
    assert order.arrived({"event_id": 101, "previous": 100}) == [{"event_id": 101, "previous": 100}]
