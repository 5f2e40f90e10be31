"""Credential pool: selection, failover walk, cooldown errors, listing and the §17 routing items."""

from __future__ import annotations

from typing import Any

import pytest

import server.routing as routing
from server.config.schema import Config, OAuthModelAlias, Routing
from server.credential import Credential, CredentialKind
from server.errors import ModelCooldown, ModelNotFound, NoCredential
from server.modelinfo import ModelInfo
from server.routing.pool import Candidate, CredentialPool, PoolEntry


def cred(
    cid: str,
    provider: str = "codex",
    *,
    kind: CredentialKind = "apikey",
    provider_type: str = "",
    priority: int = 0,
    prefix: str = "",
    disabled: bool = False,
    excluded: tuple[str, ...] = (),
) -> Credential:
    return Credential(
        id=cid,
        provider=provider,
        provider_type=provider_type or provider,
        kind=kind,
        label=f"{cid}@example",
        priority=priority,
        prefix=prefix,
        disabled=disabled,
        excluded_models=excluded,
    )


def entry(
    credential: Credential, *models: str | ModelInfo, upstream: dict[str, str] | None = None
) -> PoolEntry:
    infos = [m if isinstance(m, ModelInfo) else ModelInfo(m) for m in models]
    return PoolEntry(credential, infos, upstream or {})


def make_pool(*entries: PoolEntry, **config: Any) -> CredentialPool:
    pool = CredentialPool(Config(**config))
    pool.set_entries(entries)
    return pool


def requests(pool: CredentialPool, model: str, count: int, now: float = 0.0) -> list[str]:
    """First pick of ``count`` independent requests."""
    return [pool.pick(model, frozenset(), now).credential.id for _ in range(count)]


def walk(pool: CredentialPool, model: str, now: float = 0.0) -> list[str]:
    """Every pick of one request that fails on each credential, until the pool gives up."""
    tried: set[str] = set()
    order: list[str] = []
    while True:
        try:
            candidate = pool.pick(model, tried, now)
        except (NoCredential, ModelCooldown):
            return order
        order.append(candidate.credential.id)
        tried.add(candidate.credential.id)


def three_codex(**config: Any) -> CredentialPool:
    return make_pool(*(entry(cred(cid), "gpt-5") for cid in ("c", "a", "b")), **config)


def test_public_api() -> None:
    assert sorted(routing.__all__) == sorted(
        [
            "AUTO_MODEL",
            "Candidate",
            "CredentialPool",
            "CredentialState",
            "ModelStatus",
            "PoolEntry",
            "Strategy",
            "parse_strategy",
        ]
    )


# -- strategies ---------------------------------------------------------------------------------


def test_round_robin_spreads_over_three_credentials() -> None:
    assert requests(three_codex(), "gpt-5", 7) == ["a", "b", "c", "a", "b", "c", "a"]


def test_round_robin_skips_blocked_credential() -> None:
    pool = three_codex()
    pool.record_failure(Candidate(cred("b"), "gpt-5", "gpt-5"), 500, None, 0.0)
    assert requests(pool, "gpt-5", 4, now=1.0) == ["a", "c", "a", "c"]


def test_fill_first_sticks_to_first_until_it_cools() -> None:  # §17.34
    pool = three_codex(routing=Routing(strategy="fill-first"))
    assert requests(pool, "gpt-5", 3) == ["a", "a", "a"]
    first = pool.pick("gpt-5", frozenset(), 0.0)
    assert pool.record_failure(first, 429, 10.0, 0.0) == 10.0
    assert requests(pool, "gpt-5", 2, now=5.0) == ["b", "b"]
    assert requests(pool, "gpt-5", 1, now=10.0) == ["a"]


def test_strategy_is_hot() -> None:
    pool = three_codex()
    pool.update_config(Config(routing=Routing(strategy="ff")))
    assert requests(pool, "gpt-5", 3) == ["a", "a", "a"]


def test_priority_keeps_only_highest_available() -> None:
    pool = make_pool(
        entry(cred("a", priority=1), "m"),
        entry(cred("b", priority=5), "m"),
        entry(cred("c", priority=5), "m"),
    )
    assert requests(pool, "m", 4) == ["b", "c", "b", "c"]
    for cid in ("b", "c"):
        pool.record_failure(Candidate(cred(cid, priority=5), "m", "m"), 503, None, 0.0)
    assert requests(pool, "m", 2, now=1.0) == ["a", "a"]
    assert walk(make_pool(entry(cred("a", priority=1), "m"), entry(cred("b", priority=5), "m")), "m") == [
        "b",
        "a",
    ]


def test_round_robin_is_per_provider_and_model() -> None:  # §17.25
    pool = make_pool(entry(cred("a"), "x", "y"), entry(cred("b"), "x", "y"))
    order = [pool.pick(m, frozenset(), 0.0).credential.id for m in ["x", "y", "x", "y", "x", "y"]]
    assert order == ["a", "a", "b", "b", "a", "a"]


def test_multi_provider_model_alternates_starting_provider() -> None:  # §17.26
    pool = make_pool(entry(cred("g1", "gemini"), "m"), entry(cred("v1", "vertex"), "m"))
    providers = [pool.pick("m", frozenset(), 0.0).credential.provider for _ in range(4)]
    assert providers == ["gemini", "vertex", "gemini", "vertex"]


def test_providers_ordered_by_credential_count() -> None:
    pool = make_pool(
        entry(cred("z1", "zeta"), "m"), entry(cred("z2", "zeta"), "m"), entry(cred("a1", "alpha"), "m")
    )
    assert walk(pool, "m") == ["z1", "z2", "a1"]
    assert walk(pool, "m") == ["a1", "z1", "z2"]  # the zeta cursor moved on every pick


def test_one_request_walks_every_credential_of_every_provider() -> None:
    pool = make_pool(
        entry(cred("a1", "alpha"), "m"),
        entry(cred("a2", "alpha"), "m"),
        entry(cred("b1", "beta"), "m"),
        entry(cred("b2", "beta"), "m"),
        entry(cred("off", "beta", disabled=True), "m"),
    )
    for _ in range(3):
        order = walk(pool, "m")
        assert sorted(order) == ["a1", "a2", "b1", "b2"]
        assert {cid[0] for cid in order[:2]} in ({"a"}, {"b"})  # finishes one provider first


# -- errors and cooldowns -----------------------------------------------------------------------


def test_unknown_model_raises_model_not_found() -> None:
    pool = three_codex()
    with pytest.raises(ModelNotFound) as info:
        pool.pick("nope", frozenset(), 0.0)
    assert info.value.message == "unknown provider for model nope"
    assert not pool.serves("nope")


def test_all_tried_raises_no_credential() -> None:
    pool = three_codex()
    with pytest.raises(NoCredential, match="no auth available"):
        pool.pick("gpt-5", {"a", "b", "c"}, 0.0)


def test_quota_ladder_one_two_four_then_reset() -> None:  # §17.20
    pool = make_pool(entry(cred("only"), "m"))
    now, waits = 0.0, []
    for _ in range(3):
        candidate = pool.pick("m", frozenset(), now)
        waits.append(pool.record_failure(candidate, 429, None, now))
        assert pool.earliest_recovery("m", now) == waits[-1]
        now += waits[-1]
    assert waits == [1.0, 2.0, 4.0]
    assert now == 7.0
    candidate = pool.pick("m", frozenset(), now)
    pool.record_success(candidate)
    assert pool.record_failure(candidate, 429, None, now) == 1.0


def test_all_quota_cooling_raises_model_cooldown() -> None:  # §17.21
    pool = make_pool(entry(cred("a", "gemini"), "m"), entry(cred("b", "gemini"), "m"))
    pool.record_failure(Candidate(cred("a", "gemini"), "m", "m"), 429, 60.0, 0.0)
    pool.record_failure(Candidate(cred("b", "gemini"), "m", "m"), 429, 45.2, 0.0)
    with pytest.raises(ModelCooldown) as info:
        pool.pick("m", frozenset(), 10.0)
    error = info.value
    assert error.reset_seconds == 36
    assert error.response_headers()["Retry-After"] == "36"
    assert error.body()["error"]["provider"] == "gemini"
    assert error.body()["error"]["model"] == "m"
    assert pool.earliest_recovery("m", 10.0) == pytest.approx(35.2)
    assert pool.pick("m", frozenset(), 45.2).credential.id == "b"


def test_quota_mixed_with_other_block_raises_no_credential() -> None:
    pool = make_pool(entry(cred("a"), "m"), entry(cred("b"), "m"))
    pool.record_failure(Candidate(cred("a"), "m", "m"), 429, 60.0, 0.0)
    pool.record_failure(Candidate(cred("b"), "m", "m"), 401, None, 0.0)
    with pytest.raises(NoCredential):
        pool.pick("m", frozenset(), 1.0)
    with pytest.raises(ModelCooldown):
        pool.pick("m", {"b"}, 1.0)


STATUS_COOLDOWNS = [(401, 1800.0), (403, 1800.0), (404, 43200.0), (503, 60.0), (400, 0.0), (None, 0.0)]


@pytest.mark.parametrize(
    ("status", "seconds"), STATUS_COOLDOWNS, ids=[str(status) for status, _ in STATUS_COOLDOWNS]
)
def test_status_cooldowns_skip_credential(status: int | None, seconds: float) -> None:  # §17.22
    pool = make_pool(entry(cred("a"), "m", "other"), entry(cred("b"), "m", "other"))
    first = pool.pick("m", frozenset(), 0.0)
    assert first.credential.id == "a"
    assert pool.record_failure(first, status, None, 0.0) == seconds
    expected = ["b", "b"] if seconds else ["b", "a"]
    assert requests(pool, "m", 2, now=0.0) == expected
    if seconds:
        assert pool.earliest_recovery("m", 0.0) == seconds
        assert sorted(requests(pool, "m", 2, now=seconds)) == ["a", "b"]
        assert requests(pool, "other", 2, now=1.0) == ["a", "b"]  # other models unaffected
    else:
        assert pool.earliest_recovery("m", 0.0) is None


def test_failover_500_then_success_sticks_to_b() -> None:  # §17.23
    pool = make_pool(entry(cred("a"), "m"), entry(cred("b"), "m"))
    first = pool.pick("m", frozenset(), 0.0)
    pool.record_failure(first, 500, None, 0.0)
    second = pool.pick("m", {first.credential.id}, 0.0)
    pool.record_success(second)
    assert (first.credential.id, second.credential.id) == ("a", "b")
    assert requests(pool, "m", 3, now=30.0) == ["b", "b", "b"]
    assert "a" in requests(pool, "m", 2, now=60.0)


def test_disable_cooling_drops_hintless_backoff_only() -> None:
    pool = make_pool(entry(cred("a"), "m"), disable_cooling=True)
    candidate = pool.pick("m", frozenset(), 0.0)
    assert pool.record_failure(candidate, 429, None, 0.0) == 0.0
    assert pool.pick("m", frozenset(), 0.0).credential.id == "a"
    assert pool.record_failure(candidate, 429, 5.0, 0.0) == 5.0
    pool.update_config(Config())
    assert pool.record_failure(candidate, 429, None, 10.0) == 1.0


def test_set_entries_keeps_state_of_surviving_credentials() -> None:
    a, b = entry(cred("a"), "m"), entry(cred("b"), "m")
    pool = make_pool(a, b)
    pool.record_failure(Candidate(cred("a"), "m", "m"), 401, None, 0.0)
    pool.record_failure(Candidate(cred("b"), "m", "m"), 401, None, 0.0)
    pool.set_entries([a, entry(cred("c"), "m")])
    assert requests(pool, "m", 2, now=1.0) == ["c", "c"]
    pool.set_entries([a, b])
    assert requests(pool, "m", 2, now=1.0) == ["b", "b"]


# -- exclusions, prefixes, aliases, pinning, auto -------------------------------------------------


def test_oauth_excluded_models_hide_and_refuse() -> None:  # §17.27
    pool = make_pool(
        entry(cred("acct", kind="oauth"), "gpt-5", "gpt-5-codex"),
        oauth_excluded_models={"codex": ("GPT-5-*",)},
    )
    assert [m.id for m in pool.list_models(0.0)] == ["gpt-5"]
    with pytest.raises(ModelNotFound, match="unknown provider for model gpt-5-codex"):
        pool.pick("gpt-5-codex", frozenset(), 0.0)


def test_gemini_key_excluded_models_override_global_list() -> None:  # §17.27
    pool = make_pool(
        entry(cred("k1", "gemini", excluded=("*flash*",)), "gemini-2.5-pro", "gemini-2.5-flash"),
        entry(cred("k2", "gemini"), "gemini-2.5-pro", "gemini-2.5-flash"),
        entry(cred("acct", "gemini", kind="oauth"), "gemini-2.5-pro", "gemini-2.5-flash"),
        oauth_excluded_models={"gemini": ("gemini-2.5-pro",)},
    )
    assert walk(pool, "gemini-2.5-flash") in (["acct", "k2"], ["k2", "acct"])
    assert sorted(walk(pool, "gemini-2.5-pro")) == ["k1", "k2"]


def test_prefix_routes_and_strips() -> None:  # §17.32
    pool = make_pool(
        entry(cred("t", "gemini", prefix="teamA"), "gemini-2.5-pro"),
        entry(cred("u", "gemini"), "gemini-2.5-pro"),
    )
    candidate = pool.pick("teamA/gemini-2.5-pro", frozenset(), 0.0)
    assert (candidate.credential.id, candidate.upstream_model, candidate.model_key) == (
        "t",
        "gemini-2.5-pro",
        "gemini-2.5-pro",
    )
    assert candidate.model == "teamA/gemini-2.5-pro"
    assert sorted(walk(pool, "gemini-2.5-pro")) == ["t", "u"]
    pool.update_config(Config(force_model_prefix=True))
    assert walk(pool, "gemini-2.5-pro") == ["u"]
    assert walk(pool, "teamA/gemini-2.5-pro") == ["t"]
    assert [m.id for m in pool.list_models(0.0)] == ["gemini-2.5-pro", "teamA/gemini-2.5-pro"]


def test_prefixed_and_bare_ids_share_cooldown() -> None:
    pool = make_pool(entry(cred("t", prefix="p"), "m"))
    pool.record_failure(pool.pick("p/m", frozenset(), 0.0), 401, None, 0.0)
    with pytest.raises(NoCredential):
        pool.pick("m", frozenset(), 1.0)


def test_oauth_model_alias_lists_and_routes() -> None:  # §17.33
    alias = {"codex": (OAuthModelAlias("gpt-5", "g5"),)}
    pool = make_pool(entry(cred("acct", kind="oauth"), "gpt-5", "o3"), oauth_model_alias=alias)
    assert [m.id for m in pool.list_models(0.0)] == ["g5", "o3"]
    candidate = pool.pick("G5", frozenset(), 0.0)
    assert (candidate.upstream_model, candidate.model_key, candidate.model) == ("gpt-5", "gpt-5", "g5")
    assert not pool.serves("gpt-5")
    pool.update_config(Config(oauth_model_alias={"codex": (OAuthModelAlias("gpt-5", "g5", fork=True),)}))
    assert [m.id for m in pool.list_models(0.0)] == ["g5", "gpt-5", "o3"]
    assert pool.pick("gpt-5", frozenset(), 0.0).upstream_model == "gpt-5"


def test_provider_url_pins_openai_compat_provider() -> None:
    pool = make_pool(
        entry(
            cred("or1", "openrouter", provider_type="openai-compat"),
            "kimi",
            upstream={"kimi": "moonshotai/kimi-k2:free"},
        ),
        entry(cred("gq1", "groq", provider_type="openai-compat"), "kimi", upstream={"kimi": "kimi-k2"}),
    )
    candidate = pool.pick("OpenRouter://kimi", frozenset(), 0.0)
    assert (candidate.credential.id, candidate.upstream_model, candidate.model) == (
        "or1",
        "moonshotai/kimi-k2:free",
        "kimi",
    )
    assert walk(pool, "groq://kimi") == ["gq1"]
    assert pool.serves("groq://kimi")
    assert not pool.serves("groq://other")
    assert not pool.serves("codex://kimi")
    with pytest.raises(ModelNotFound):
        pool.pick("groq://other", frozenset(), 0.0)


def test_auto_picks_newest_model_with_available_credential() -> None:
    pool = make_pool(
        entry(cred("a"), ModelInfo("old", created=100), ModelInfo("new", created=300)),
        entry(cred("b", "claude"), ModelInfo("mid", created=200)),
    )
    assert pool.serves("auto")
    first = pool.pick("auto", frozenset(), 0.0)
    assert (first.credential.id, first.upstream_model, first.model) == ("a", "new", "new")
    pool.record_failure(first, 429, 30.0, 0.0)
    assert pool.pick("auto", frozenset(), 1.0).model == "mid"
    pool.record_failure(Candidate(cred("b", "claude"), "mid", "mid"), 429, 10.0, 1.0)
    assert pool.pick("AUTO", frozenset(), 2.0).model == "old"
    pool.record_failure(Candidate(cred("a"), "old", "old"), 429, 5.0, 2.0)
    with pytest.raises(ModelCooldown) as info:
        pool.pick("auto", frozenset(), 3.0)
    assert info.value.model == "new"


def test_auto_without_models() -> None:
    pool = make_pool()
    assert not pool.serves("auto")
    with pytest.raises(ModelNotFound):
        pool.pick("auto", frozenset(), 0.0)


# -- listing and snapshot -----------------------------------------------------------------------


LISTING_CASES = [
    ("quota-cooled-stays", [429, 429], True),
    ("one-suspended-stays", [401, None], True),
    ("all-401-hidden", [401, 401], False),
    ("all-403-hidden", [403, 402], False),
    ("all-404-hidden", [404, 404], False),
    ("5xx-stays", [503, 500], True),
    ("mixed-quota-and-401-stays", [429, 401], True),
]


@pytest.mark.parametrize(
    ("statuses", "listed"), [case[1:] for case in LISTING_CASES], ids=[case[0] for case in LISTING_CASES]
)
def test_listing_rules(statuses: list[int | None], listed: bool) -> None:
    pool = make_pool(entry(cred("a"), "m", "keep"), entry(cred("b"), "m", "keep"))
    for cid, status in zip(["a", "b"], statuses, strict=True):
        if status is not None:
            pool.record_failure(Candidate(cred(cid), "m", "m"), status, None, 0.0)
    assert ("m" in [info.id for info in pool.list_models(1.0)]) is listed
    assert [info.id for info in pool.list_models(43200.0)] == ["keep", "m"]


def test_listing_sorted_deduplicated_and_disabled_hidden() -> None:
    pool = make_pool(
        entry(cred("a"), ModelInfo("Zeta", owned_by="first"), "alpha"),
        entry(cred("b", "claude"), ModelInfo("zeta", owned_by="last"), "beta"),
        entry(cred("c", disabled=True), "gamma"),
    )
    listed = pool.list_models(0.0)
    assert [info.id for info in listed] == ["alpha", "beta", "zeta"]
    assert listed[-1].owned_by == "last"
    assert not pool.serves("gamma")
    with pytest.raises(ModelNotFound):
        pool.pick("gamma", frozenset(), 0.0)
    assert pool.pick("ZETA", frozenset(), 0.0).credential.id in {"a", "b"}


def test_snapshot() -> None:
    pool = make_pool(entry(cred("b"), "m"), entry(cred("a", disabled=True), "m"))
    pool.record_failure(Candidate(cred("b"), "M-Up", "m-up"), 429, 20.0, 0.0)
    first, second = pool.snapshot(5.0)
    assert (first.id, first.disabled, first.label, first.models, first.cooling) == (
        "a",
        True,
        "a@example",
        (),
        False,
    )
    assert (second.id, second.provider, second.cooling) == ("b", "codex", True)
    (status,) = second.models
    assert (status.model, status.cooling_until, status.remaining, status.quota, status.last_status) == (
        "m-up",
        20.0,
        15.0,
        True,
        429,
    )
    assert not pool.snapshot(25.0)[1].cooling
