"""Redaction: stable placeholders out, real values back in, whole or however a stream is cut."""
from __future__ import annotations

import threading

import pytest

from server.governance.detectors import find_personal_data
from server.governance.guarded_model import RedactingModel
from server.governance.redaction import Redactor
from server.llm.fake import FakeModel

TYPES = ("ssn", "card", "iban", "nir", "nino")
SOURCE = "Claimant SSN 123-45-6789 (also written 123 45 6789); refund to FR76 3000 6000 0112 3456 7890 189."


def test_same_value_same_placeholder_numbered_in_reading_order():
    redactor = Redactor(TYPES)
    redactor.learn(find_personal_data(SOURCE, TYPES))
    assert redactor.redact(SOURCE) == "Claimant SSN [SSN_1] (also written [SSN_1]); refund to [IBAN_1]."
    assert redactor.redact("second SSN 536-90-4399, first 123-45-6789") == "second SSN [SSN_2], first [SSN_1]"
    assert redactor.counts == {"ssn": 2, "iban": 1}


def test_restore_puts_each_value_back_as_first_written():
    redactor = Redactor(TYPES)
    redactor.redact(SOURCE)
    assert redactor.restore("Refund [IBAN_1] for [SSN_1].") == (
        "Refund FR76 3000 6000 0112 3456 7890 189 for 123-45-6789.")
    # the model may change the case; a placeholder it made up stays as it is
    assert redactor.restore("[ssn_1] and [SSN_7] and [CARD_1]") == "123-45-6789 and [SSN_7] and [CARD_1]"


def test_types_not_asked_for_are_left_alone():
    redactor = Redactor(("ssn",))
    assert redactor.redact("mail jane@agency.gov, SSN 123-45-6789") == "mail jane@agency.gov, SSN [SSN_1]"


def test_text_without_values_is_returned_unchanged():
    redactor = Redactor(TYPES)
    text = "Nothing personal here, only $4.2 million and 14 March 2025."
    assert redactor.redact(text) is text
    assert redactor.restore(text) is text


ANSWER = "Please confirm [SSN_1] and the account [IBAN_1] by [NIR_1]; see [SSN_12] too."


def _redactor_with_values() -> Redactor:
    redactor = Redactor(TYPES)
    for i in range(12):  # SSN_1 .. SSN_12
        redactor.redact(f"SSN 123-45-{6789 + i:04d}")
    redactor.redact("FR76 3000 6000 0112 3456 7890 189 and NIR 2 95 10 99 126 111 93")
    return redactor


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13])
def test_a_stream_cut_anywhere_is_restored_exactly(size):
    redactor = _redactor_with_values()
    restorer = redactor.restorer()
    pieces = [ANSWER[i:i + size] for i in range(0, len(ANSWER), size)]
    out = "".join(restorer.feed(p) for p in pieces) + restorer.flush()
    assert out == redactor.restore(ANSWER)
    assert "123-45-6789" in out and "123-45-6800" in out and "[" not in out


def test_every_split_point_of_a_placeholder():
    redactor = _redactor_with_values()
    for cut in range(len(ANSWER) + 1):
        restorer = redactor.restorer()
        out = restorer.feed(ANSWER[:cut]) + restorer.feed(ANSWER[cut:]) + restorer.flush()
        assert out == redactor.restore(ANSWER), cut


def test_held_back_text_that_was_no_placeholder_is_not_lost():
    redactor = _redactor_with_values()
    restorer = redactor.restorer()
    pieces = ["Options [a", "] and [b]", " and a lone [", "SSN"]
    out = "".join(restorer.feed(p) for p in pieces) + restorer.flush()
    assert out == "Options [a] and [b] and a lone [SSN"


def test_a_held_back_tail_is_released_as_soon_as_it_cannot_be_a_placeholder():
    restorer = _redactor_with_values().restorer()
    assert restorer.feed("Total [") == "Total "
    assert restorer.feed("see note]") == "[see note]"


def test_concurrent_chunks_share_one_numbering():
    redactor = Redactor(TYPES)
    values = [f"123-45-{6789 + i:04d}" for i in range(40)]
    results: list[str] = []

    def work(i):
        results.append(redactor.redact(" ".join(values[i % 10::10])))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert redactor.counts == {"ssn": 40}
    placeholders = {redactor.redact(v) for v in values}
    assert len(placeholders) == 40  # one placeholder per value, however the threads interleaved
    assert all(redactor.restore(redactor.redact(v)) == v for v in values)


def test_redacting_model_sends_placeholders_and_answers_with_values():
    model = FakeModel(["Reply about [SSN_1] and [IBAN_1]."], piece_size=3)
    redacting = RedactingModel(model, Redactor(TYPES))
    stream = redacting.stream([{"role": "user", "content": SOURCE}])
    text = "".join(stream)
    stream.close()
    sent = model.calls[0]["messages"][0]["content"]
    assert "123-45-6789" not in sent and "FR76" not in sent and "[SSN_1]" in sent
    assert text == "Reply about 123-45-6789 and FR76 3000 6000 0112 3456 7890 189."
    assert stream.finish_reason == "stop" and stream.usage.completion_tokens > 0


def test_redacting_model_whole_answer():
    model = FakeModel(["Done for [SSN_1]."])
    completion = RedactingModel(model, Redactor(TYPES)).complete([{"role": "user", "content": "SSN 123-45-6789"}])
    assert completion.text == "Done for 123-45-6789."
    assert model.calls[0]["messages"][0]["content"] == "SSN [SSN_1]"


def test_closing_the_restored_stream_closes_the_model_stream():
    closed = []
    model = FakeModel(["x" * 400], piece_size=2)
    inner_stream = model.stream

    def tracking(messages, **kw):
        stream = inner_stream(messages, **kw)
        original = stream.close
        stream.close = lambda: (closed.append(True), original())
        return stream
    model.stream = tracking
    stream = RedactingModel(model, Redactor(TYPES)).stream([{"role": "user", "content": "hi"}])
    next(iter(stream))
    stream.close()
    assert closed == [True]


def test_placeholders_the_user_wrote_are_never_restored_into_values():
    # the user's own "[SSN_1]" is text: the real value gets the next number, and only issued names come back
    redactor = Redactor(TYPES)
    source = "Template field [SSN_1] stays; the claimant's SSN is 123-45-6789."
    redactor.reserve(source)
    redactor.learn(find_personal_data(source, TYPES))
    assert redactor.redact(source) == "Template field [SSN_1] stays; the claimant's SSN is [SSN_2]."
    assert redactor.restore("Keep [SSN_1]; value [SSN_2].") == "Keep [SSN_1]; value 123-45-6789."
    assert redactor.counts == {"ssn": 1}


def test_the_guard_reserves_what_any_material_already_holds():
    from server.governance.guard import Guard
    from server.governance.material import Material
    from server.governance.rules import parse_guard_policy

    model = FakeModel(["Done: [SSN_3] and [SSN_4]."])
    redacting, verdict = Guard(parse_guard_policy(None, set())).screen(
        [Material("text", "SSN 123-45-6789"), Material("history", "earlier I wrote [SSN_3] as a field name")], model)
    answer = redacting.complete([{"role": "user", "content": "SSN 123-45-6789"}]).text
    assert model.calls[0]["messages"][0]["content"] == "SSN [SSN_4]"
    assert answer == "Done: [SSN_3] and 123-45-6789."
    assert verdict.redacted == {"ssn": 1}
