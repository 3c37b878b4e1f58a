"""The background analyses: cancel, run again, and the cache that makes a reopen instant."""

from __future__ import annotations

import pytest

from inspector.ui.analyses.state import CANCELLED, DONE, SKIPPED

pytestmark = pytest.mark.anyio


async def test_cancel_then_run_again(make_app, settle):
    app = make_app(view="rows", analyses=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        state = app.analyses["tokens"]
        assert state.status == SKIPPED and "not run" in state.describe()
        app.analyses.rerun("tokens")  # what the palette's "Run analysis: tokens" does
        assert state.status == "running"
        # What `X` does, before the worker can finish: the computation stops at its next
        # check, or its result is thrown away, and the analysis ends cancelled.
        assert app.analyses.cancel() == "tokens"
        await settle(pilot)
        assert state.status == CANCELLED and state.result is None
        assert app.analyses.index("tokens") is None
        app.analyses.rerun("tokens")
        await settle(pilot)
        assert state.status == DONE and app.analyses.index("tokens") is not None
        await pilot.press("X")  # nothing runs now: the key says so and changes nothing
        assert state.status == DONE


async def test_results_are_cached_for_the_next_open(make_app, settle, tmp_path):
    state_dir = tmp_path / "cached-state"
    first = make_app(view="overview", state=state_dir)
    async with first.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert first.analyses["summary"].status == DONE
        assert not first.analyses["summary"].cached
        computed = first.analyses["summary"].result
    second = make_app(view="overview", state=state_dir)
    async with second.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert second.analyses["summary"].cached
        assert second.analyses["summary"].result == computed


async def test_an_edited_tokenizer_folder_is_computed_again(make_app, settle, tmp_path):
    """The tokens analysis is cached under the token facts' own key, which holds the
    tokenizer's fingerprint: editing the folder's chat template recomputes it."""
    import json

    from inspector.core.tokens import load_tokenizer
    from inspector.ui.session import Settings

    folder = tmp_path / "tokenizer"
    load_tokenizer(None).save_pretrained(folder)  # the embedded tokenizer, as a folder
    settings = Settings(tokenizer=str(folder))
    state_dir = tmp_path / "state"

    async def tokens_state():
        app = make_app(view="overview", state=state_dir, settings=settings, analyses=("tokens",))
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            state = app.analyses["tokens"]
            assert state.status == DONE, state.describe()
            return state

    first = await tokens_state()
    assert not first.cached and first.result["settings"]["template"] == "alpaca"
    second = await tokens_state()
    assert second.cached and (second.result["tokens"] == first.result["tokens"]).all()
    config = folder / "tokenizer_config.json"
    entry = json.loads(config.read_text())
    entry["chat_template"] = (
        "{% for m in messages %}{{ m['role'] }}: {% if m['role'] == 'assistant' %}"
        "{% generation %}{{ m['content'] }}{{ eos_token }}{% endgeneration %}"
        "{% else %}{{ m['content'] }}\n{% endif %}{% endfor %}"
    )
    config.write_text(json.dumps(entry))
    third = await tokens_state()
    assert not third.cached and third.result["settings"]["template"] == "tokenizer"
    assert (third.result["tokens"] != first.result["tokens"]).any()


def test_cache_keys_follow_the_cores_versions(sample_data, tmp_path, monkeypatch):
    """A new scan format (or a new inspector release) gives the app's cached scan another key."""
    import inspector.core.scan.run as scan_run
    import inspector.ui.analyses.state as state_mod
    from inspector.core.data import open_dataset
    from inspector.ui.analyses.specs import SPEC_BY_NAME
    from inspector.ui.session import Session

    session = Session(open_dataset(sample_data / "sft", state_dir=tmp_path))
    spec = SPEC_BY_NAME["scan"]
    before = state_mod.cache_key(spec, session)
    assert state_mod.cache_key(spec, session) == before
    monkeypatch.setattr(scan_run, "SCAN_VERSION", scan_run.SCAN_VERSION + 1)
    bumped = state_mod.cache_key(spec, session)
    assert bumped != before
    monkeypatch.setattr(state_mod, "__version__", "99.0")
    assert state_mod.cache_key(spec, session) not in (before, bumped)
    session.store.close()
