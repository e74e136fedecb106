"""The contract every lexical index backend must keep, as a test suite to inherit.

A backend (built in or from a plug-in) gets the same checks by subclassing
:class:`LexicalIndexContract` in its own tests and supplying a ``backend`` fixture::

    class TestMyBackend(LexicalIndexContract):
        @pytest.fixture
        def backend(self) -> LexicalIndexBackend:
            return MyBackend()

The contract (see :class:`govai.knowledge.index.LexicalIndex`): rows are positions in build
order; results are ``(row, score)`` best first with ties broken by row; scores follow BM25's
shape (more matched terms, rarer terms and shorter passages score higher); a weight per row
multiplies the score inside the ranking (0 excludes a row even from the k it would have taken,
0.5 demotes it) and rows whose weighted score is 0 are never returned; ``k`` bounds the result;
an empty corpus, an empty query and a query of unknown terms return ``[]``; a query of concepts
(``search_groups``) scores each concept by its best alternative; ``save`` writes a
directory that ``load`` reads back with identical results, replacing any earlier save.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govai.knowledge.index import LexicalIndex, LexicalIndexBackend

# A small tokenised corpus. Row 0 mentions 公积金 and 提取 once each in a long passage; row 1
# mentions both in a short one; rows 2-5 share the common term 单位; 户口 is rare (row 4 only).
CORPUS: list[list[str]] = [
    ["住房公积金", "公积金", "提取", "职工", "单位", "缴存", "比例", "工资", "月", "平均"],
    ["公积金", "提取", "职工"],
    ["用人单位", "单位", "劳动合同", "工资"],
    ["单位", "社会保险", "缴纳"],
    ["户口", "迁移", "单位", "登记"],
    ["单位", "登记", "材料"],
    [],
    ["居住证", "申领", "材料", "居住证"],
]

QUERIES: list[list[str]] = [
    ["公积金", "提取"],
    ["单位"],
    ["户口", "单位"],
    ["居住证", "材料", "登记"],
    ["工资", "单位", "公积金"],
]


class LexicalIndexContract:
    """Inherit and provide the ``backend`` fixture."""

    @pytest.fixture
    def backend(self) -> LexicalIndexBackend:
        raise NotImplementedError("define a `backend` fixture in the subclass")

    @pytest.fixture
    def index(self, backend: LexicalIndexBackend) -> LexicalIndex:
        return backend.build(CORPUS)

    # ── building ──

    def test_backend_has_a_name(self, backend: LexicalIndexBackend) -> None:
        assert isinstance(backend.name, str) and backend.name

    def test_len_is_the_number_of_rows(self, index: LexicalIndex) -> None:
        assert len(index) == len(CORPUS)

    def test_rows_are_positions_in_build_order(self, index: LexicalIndex) -> None:
        assert [row for row, _ in index.search(["户口"], 5)] == [4]
        assert [row for row, _ in index.search(["居住证"], 5)] == [7]

    def test_empty_corpus(self, backend: LexicalIndexBackend) -> None:
        empty = backend.build([])
        assert len(empty) == 0
        assert empty.search(["公积金"], 5) == []
        assert empty.search(["公积金"], 5, weights=np.ones(0)) == []

    def test_corpus_without_any_term(self, backend: LexicalIndexBackend) -> None:
        blank = backend.build([[], []])
        assert len(blank) == 2
        assert blank.search(["公积金"], 5) == []

    # ── ranking ──

    def test_results_are_best_first_with_positive_scores(self, index: LexicalIndex) -> None:
        for query in QUERIES:
            results = index.search(query, 10)
            assert results, query
            scores = [score for _, score in results]
            assert all(score > 0 for score in scores)
            assert scores == sorted(scores, reverse=True)
            assert len({row for row, _ in results}) == len(results)

    def test_more_matched_terms_rank_higher(self, index: LexicalIndex) -> None:
        rows = [row for row, _ in index.search(["居住证", "材料", "登记"], 10)]
        assert rows[0] == 7  # 居住证 and 材料
        assert set(rows) == {4, 5, 7}

    def test_rare_term_outweighs_common_term(self, index: LexicalIndex) -> None:
        # Row 4 has the rare 户口; rows 2, 3 and 5 only the common 单位.
        assert index.search(["户口", "单位"], 1)[0][0] == 4

    def test_shorter_passage_ranks_higher_at_equal_counts(self, index: LexicalIndex) -> None:
        rows = [row for row, _ in index.search(["公积金", "提取"], 10)]
        assert rows == [1, 0]

    def test_only_matching_rows_are_returned(self, index: LexicalIndex) -> None:
        rows = {row for row, _ in index.search(["单位"], 100)}
        assert rows == {0, 2, 3, 4, 5}

    def test_ties_are_broken_by_row(self, backend: LexicalIndexBackend) -> None:
        twins = backend.build([["甲"], ["乙"], ["甲"], ["甲"]])
        results = twins.search(["甲"], 10)
        assert [row for row, _ in results] == [0, 2, 3]
        assert results[0][1] == pytest.approx(results[2][1])

    def test_query_term_order_does_not_matter(self, index: LexicalIndex) -> None:
        for query in QUERIES:
            assert index.search(query, 10) == index.search(list(reversed(query)), 10)

    # ── queries of concepts (a typed term and its synonyms) ──

    def test_single_term_groups_equal_a_plain_query(self, index: LexicalIndex) -> None:
        for query in QUERIES:
            assert index.search_groups([[[t]] for t in query], 10) == index.search(query, 10)

    def test_a_group_scores_its_best_alternative_not_the_sum(self, index: LexicalIndex) -> None:
        # Row 1 has both 公积金 and 提取: as alternatives of one concept they count once.
        alone = dict(index.search(["公积金"], 10))
        either = dict(index.search_groups([[["公积金"], ["提取"]]], 10))
        both = dict(index.search(["公积金", "提取"], 10))
        assert set(either) == {0, 1}
        best_one = max(alone[1], dict(index.search(["提取"], 10))[1])
        assert either[1] == pytest.approx(best_one)
        assert either[1] < both[1]

    def test_an_alternative_matches_where_the_typed_term_is_absent(
        self, index: LexicalIndex
    ) -> None:
        rows = [row for row, _ in index.search_groups([[["不存在的词"], ["户口"]]], 10)]
        assert rows == [4]

    def test_a_phrase_alternative_scores_the_mean_of_its_tokens(self, index: LexicalIndex) -> None:
        phrase = dict(index.search_groups([[["居住证", "材料"]]], 10))
        parts = dict(index.search(["居住证", "材料"], 10))
        assert phrase[7] == pytest.approx(parts[7] / 2, rel=1e-5)
        assert set(phrase) == set(parts)

    def test_groups_take_weights_like_plain_queries(self, index: LexicalIndex) -> None:
        weights = np.ones(len(CORPUS))
        weights[1] = 0.0
        rows = [row for row, _ in index.search_groups([[["公积金"], ["提取"]]], 10, weights)]
        assert rows == [0]
        assert index.search_groups([], 5) == []
        assert index.search_groups([[["不存在的词"]]], 5) == []

    # ── empty and unknown queries, k ──

    def test_empty_and_unknown_queries_return_nothing(self, index: LexicalIndex) -> None:
        assert index.search([], 5) == []
        assert index.search(["不存在的词"], 5) == []
        assert index.search(["不存在的词", ""], 5, weights=np.ones(len(CORPUS))) == []

    def test_unknown_terms_do_not_change_scores(self, index: LexicalIndex) -> None:
        assert index.search(["公积金", "不存在的词"], 5) == index.search(["公积金"], 5)

    def test_k_bounds_the_results(self, index: LexicalIndex) -> None:
        everything = index.search(["单位"], 100)
        assert index.search(["单位"], 0) == []
        assert index.search(["单位"], 1) == everything[:1]
        assert index.search(["单位"], 3) == everything[:3]
        assert index.search(["单位"], len(everything)) == everything

    # ── weights ──

    def test_zero_weight_excludes_a_row_inside_the_ranking(self, index: LexicalIndex) -> None:
        best = index.search(["公积金", "提取"], 1)[0][0]
        weights = np.ones(len(CORPUS))
        weights[best] = 0.0
        results = index.search(["公积金", "提取"], 1, weights=weights)
        assert results and results[0][0] != best  # the next row takes the place
        assert best not in {row for row, _ in index.search(["公积金"], 100, weights=weights)}

    def test_weight_demotes_and_scales_the_score(self, index: LexicalIndex) -> None:
        plain = dict(index.search(["公积金", "提取"], 10))
        weights = np.ones(len(CORPUS))
        weights[1] = 0.5
        demoted = index.search(["公积金", "提取"], 10, weights=weights)
        assert dict(demoted)[1] == pytest.approx(plain[1] * 0.5, rel=1e-5)
        assert dict(demoted)[0] == pytest.approx(plain[0], rel=1e-5)
        if plain[1] * 0.5 < plain[0]:
            assert [row for row, _ in demoted] == [0, 1]

    def test_all_zero_weights_return_nothing(self, index: LexicalIndex) -> None:
        assert index.search(["单位"], 10, weights=np.zeros(len(CORPUS))) == []

    def test_ones_as_weights_change_nothing(self, index: LexicalIndex) -> None:
        for query in QUERIES:
            weighted = index.search(query, 10, weights=np.ones(len(CORPUS), dtype=np.float32))
            assert weighted == index.search(query, 10)

    def test_weights_are_not_modified(self, index: LexicalIndex) -> None:
        weights = np.linspace(0.1, 1.0, len(CORPUS))
        before = weights.copy()
        index.search(["单位", "公积金"], 10, weights=weights)
        assert np.array_equal(weights, before)

    def test_weights_of_the_wrong_length_are_refused(self, index: LexicalIndex) -> None:
        with pytest.raises(ValueError):
            index.search(["单位"], 10, weights=np.ones(len(CORPUS) + 1))

    # ── persistence ──

    def test_save_and_load_give_the_same_results(
        self, backend: LexicalIndexBackend, index: LexicalIndex, tmp_path: Path
    ) -> None:
        index.save(tmp_path / "idx")
        loaded = backend.load(tmp_path / "idx")
        assert len(loaded) == len(index)
        weights = np.linspace(0.2, 1.0, len(CORPUS))
        weights[3] = 0.0
        for query in [*QUERIES, [], ["不存在的词"]]:
            assert loaded.search(query, 10) == index.search(query, 10)
            assert loaded.search(query, 3, weights=weights) == index.search(
                query, 3, weights=weights
            )

    def test_save_replaces_an_earlier_save(
        self, backend: LexicalIndexBackend, index: LexicalIndex, tmp_path: Path
    ) -> None:
        target = tmp_path / "idx"
        backend.build([["旧词"]]).save(target)
        index.save(target)
        loaded = backend.load(target)
        assert len(loaded) == len(CORPUS)
        assert loaded.search(["旧词"], 5) == []
        assert [p.name for p in tmp_path.iterdir()] == ["idx"]  # no temporary directories left

    def test_empty_index_round_trip(self, backend: LexicalIndexBackend, tmp_path: Path) -> None:
        backend.build([]).save(tmp_path / "empty")
        loaded = backend.load(tmp_path / "empty")
        assert len(loaded) == 0
        assert loaded.search(["公积金"], 5) == []
