"""The dispatch classifier on small hand-written messages: training and prediction, calibrated
probabilities, storage without pickle, the cleaning of a training set and the split."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from govai.analytics.classifier import (
    ClassifierParams,
    Evaluation,
    TextClassifier,
    clean_training_set,
    cross_validate,
    evaluate,
    stratified_split,
)
from govai.analytics.classifier_features import CharNgramVectorizer, normalize_text
from govai.errors import ValidationError

HOUSING, TRANSPORT, SCHOOLS = "住建局", "交通局", "教育局"

MESSAGES = {
    HOUSING: [
        "小区电梯坏了半个月没人修，老人上下楼很困难",
        "物业公司乱收停车管理费，业主意见很大",
        "楼顶漏水好几年，物业一直推诿不处理",
        "开发商逾期交房已经一年，购房款退不回来",
        "房产证办了三年还没有下来，开发商说在走流程",
        "老旧小区改造工程拖了一年多，路面全挖开了",
        "楼下有人违章搭建，占用了消防通道",
        "小区供水管道老化，自来水发黄不能喝",
        "拆迁安置房迟迟不交付，过渡费也停发了",
        "物业维修基金被挪用，业主委员会查不到账",
        "新房墙体开裂，开发商拒绝维修",
        "小区外墙瓷砖脱落砸坏了车，物业不管",
        "公租房申请交了材料半年没有消息",
        "城中村改造补偿标准太低，村民不同意",
        "楼上装修违规拆除承重墙，请住建部门检查",
        "小区燃气管道漏气，物业不及时处理",
        "棚户区改造的安置小区配套设施不完善",
        "商品房预售资金监管不到位，工地停工了",
        "小区绿化被业主私自改成菜地，物业不制止",
        "电梯年检过期还在运行，存在安全隐患",
    ],
    TRANSPORT: [
        "早上公交车班次太少，等车要四十分钟",
        "出租车司机拒载还绕路，多收车费",
        "路口红绿灯时间太短，老人过马路来不及",
        "国道路面坑洼，晚上多次发生事故",
        "地铁站出口太少，高峰期非常拥挤",
        "长途客运站的班车票价上涨太多",
        "建议开通到高铁站的公交专线",
        "网约车平台乱收费，投诉没有回应",
        "高速公路收费站排队太长，ETC车道经常坏",
        "乡村公路年久失修，客车都不愿意开进来",
        "公交车司机开车太猛，乘客摔倒受伤",
        "驾校收费后拖延安排考试，学员练不上车",
        "货车超载压坏了村道，没人管理",
        "路边停车位收费标准不透明",
        "学校门口没有斑马线和减速带，上下学很危险",
        "轮渡停运后村民过江只能绕行几十公里",
        "公交卡充值点太少，老年卡办理麻烦",
        "道路施工围挡占道，堵车非常严重",
        "机场大巴末班车太早，晚班飞机的旅客没车坐",
        "出租车起步价调整没有听证",
    ],
    SCHOOLS: [
        "孩子入学没有学位，只能去很远的学校",
        "校车超载很危险，请教育局管一管",
        "学校课后服务乱收费，家长负担重",
        "老师体罚学生，孩子不敢去上学",
        "幼儿园收费太高，普惠园名额太少",
        "在职教师违规办补习班，上课不讲下课讲",
        "学校食堂饭菜质量差，学生吃不饱",
        "中考体育考试评分不公平",
        "乡村学校教师工资拖欠了三个月",
        "学校强制学生购买指定教辅资料",
        "大学生助学金评定不透明",
        "民办学校擅自提高学费",
        "小学作业太多，孩子每天写到深夜",
        "体育馆长期关闭，市民没地方锻炼",
        "图书馆开放时间太短，上班族借不了书",
        "特岗教师转正迟迟没有落实",
        "学校宿舍没有空调，夏天太热睡不着",
        "高考移民问题请教育部门核查",
        "幼儿园老师资质不合格，家长很担心",
        "教育局招聘考试成绩公布有疑问",
    ],
}

# written separately from the training messages: the words overlap, the sentences do not
UNSEEN = [
    ("我们小区的电梯又停了，物业说没钱修", HOUSING),
    ("公交站台没有遮雨棚，等车淋雨", TRANSPORT),
    ("孩子所在学校的老师收礼，家长敢怒不敢言", SCHOOLS),
    ("开发商交房时面积缩水，要求退还差价", HOUSING),
    ("红绿灯坏了好几天，路口车辆乱成一团", TRANSPORT),
    ("幼儿园下午三点就放学，家长没法接", SCHOOLS),
]


def _rows() -> tuple[list[str], list[str]]:
    texts = [text for texts in MESSAGES.values() for text in texts]
    labels = [label for label, texts in MESSAGES.items() for _ in texts]
    return texts, labels


@pytest.fixture(scope="module")
def model() -> TextClassifier:
    texts, labels = _rows()
    return TextClassifier.train(texts, labels)


def test_predicts_the_department_of_messages_it_never_saw(model: TextClassifier) -> None:
    assert set(model.labels) == {HOUSING, TRANSPORT, SCHOOLS}
    predictions = model.predict([text for text, _ in UNSEEN])
    assert [p.label for p in predictions] == [label for _, label in UNSEEN]


def test_top_is_ordered_and_probabilities_are_calibrated(model: TextClassifier) -> None:
    texts = [text for text, _ in UNSEEN]
    probs = model.probabilities(texts)
    assert probs.shape == (len(texts), 3)
    assert np.allclose(probs.sum(axis=1), 1.0)
    for p, row in zip(model.predict(texts, top=3), probs, strict=True):
        assert len(p.top) == 3
        assert p.top[0] == (p.label, p.confidence)
        assert [prob for _, prob in p.top] == sorted(row, reverse=True)
        assert {label for label, _ in p.top} == set(model.labels)
        assert 1 / 3 < p.confidence <= 1
    assert [len(p.top) for p in model.predict(texts[:1], top=1)] == [1]
    assert [len(p.top) for p in model.predict(texts[:1], top=10)] == [3]  # only 3 labels
    assert model.predict([]) == []
    # the temperature was fitted on held-out scores; the SVM's raw margins would not sum to 1
    assert model.temperature > 0 and model.temperature != 1.0


def test_one_message_at_a_time_scores_as_in_a_batch() -> None:
    texts, labels = _rows()
    titles = [text[:4] for text in texts]
    model = TextClassifier.train(texts, labels, titles)
    # 60 texts go through sparse matrices; one at a time through the small-batch path
    together = model.probabilities(texts, titles)
    alone = np.vstack([model.probabilities([t], [h]) for t, h in zip(texts, titles, strict=True)])
    assert np.allclose(together, alone, rtol=0, atol=1e-12)


def test_a_message_with_nothing_known_is_not_confident(model: TextClassifier) -> None:
    (nothing,) = model.predict(["ＸＹＺ？？"])  # no character of it occurs in training
    (clear,) = model.predict(["小区电梯坏了没人修，物业不管"])
    assert nothing.confidence < 0.6 < clear.confidence


def test_round_trip_through_bytes_keeps_every_prediction(model: TextClassifier) -> None:
    data = model.to_bytes()
    again = TextClassifier.from_bytes(data)
    texts = [text for text, _ in UNSEEN] + _rows()[0]
    assert np.array_equal(again.probabilities(texts), model.probabilities(texts))
    assert again.predict(texts) == model.predict(texts)
    assert again.labels == model.labels and again.describe() == model.describe()
    # the stored form is JSON and plain .npy arrays, readable without pickle
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert json.loads(z.read("model.json"))["labels"] == list(model.labels)
        for name in z.namelist():
            if name.endswith(".npy"):
                np.load(io.BytesIO(z.read(name)), allow_pickle=False)


def _rewrite(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            dst.writestr(item, content if item == name else src.read(item))
    return out.getvalue()


def test_corrupt_bytes_give_a_chinese_error(model: TextClassifier) -> None:
    data = model.to_bytes()
    meta = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("model.json"))
    bias = io.BytesIO()
    np.save(bias, np.zeros(5))  # five labels' worth for a three-label model
    broken = [
        b"",
        b"not a model at all",
        data[: len(data) // 2],
        _rewrite(data, "model.json", b"{not json"),
        _rewrite(data, "model.json", json.dumps({**meta, "labels": ["a"]}).encode()),
        _rewrite(data, "bias.npy", bias.getvalue()),
        _rewrite(data, "weights.npy", b"\x93NUMPY garbage"),
    ]
    for blob in broken:
        with pytest.raises(ValidationError, match="无法读取分办模型") as err:
            TextClassifier.from_bytes(blob)
        assert "govai dispatch train" in err.value.message
    newer = _rewrite(data, "model.json", json.dumps({**meta, "format": "x/9"}).encode())
    with pytest.raises(ValidationError, match="格式“x/9”不受支持"):
        TextClassifier.from_bytes(newer)


def test_a_single_department_cannot_be_trained() -> None:
    with pytest.raises(ValidationError, match="只有一个类别（住建局）"):
        TextClassifier.train(MESSAGES[HOUSING], [HOUSING] * len(MESSAGES[HOUSING]))
    with pytest.raises(ValidationError, match="没有训练数据"):
        TextClassifier.train([], [])
    with pytest.raises(ValidationError, match="条数不一致"):
        TextClassifier.train(["一", "二"], [HOUSING])
    with pytest.raises(ValidationError, match="第 2 条训练数据的标签为空"):
        TextClassifier.train(["一", "二", "三"], [HOUSING, " ", SCHOOLS])


def test_titles_are_optional_on_both_sides() -> None:
    texts, labels = _rows()
    # the title names the subject; the texts of this set are written without it
    titles = [{HOUSING: "物业问题", TRANSPORT: "交通问题", SCHOOLS: "教育问题"}[x] for x in labels]
    with_titles = TextClassifier.train(texts, labels, titles)
    assert with_titles.uses_titles and with_titles.describe()["titles"] is True
    vague = "这个问题反映很久了，希望领导重视，尽快解决"
    by_title = with_titles.predict([vague] * 3, ["交通问题", "教育问题", "物业问题"])
    assert [p.label for p in by_title] == [TRANSPORT, SCHOOLS, HOUSING]
    # without titles at prediction time the message text alone decides
    assert [p.label for p in with_titles.predict([t for t, _ in UNSEEN])] == [
        label for _, label in UNSEEN
    ]
    # a model trained without titles ignores titles given to it
    without = TextClassifier.train(texts, labels)
    assert not without.uses_titles
    plain = without.probabilities([vague])
    assert np.array_equal(without.probabilities([vague], ["交通问题"]), plain)
    with pytest.raises(ValidationError, match="条数不一致"):
        with_titles.predict(["一", "二"], ["一"])
    # empty titles in training are no title block at all
    assert not TextClassifier.train(texts, labels, [""] * len(texts)).uses_titles


def test_progress_is_reported_in_chinese() -> None:
    texts, labels = _rows()
    said: list[str] = []
    TextClassifier.train(texts, labels, progress=said.append)
    assert said[0] == "特征提取…"
    assert any(s.startswith("训练中…") for s in said)
    assert any(s.startswith("校准概率") for s in said)


def test_params_change_the_model_and_are_described() -> None:
    texts, labels = _rows()
    params = ClassifierParams(ngram_max=3, nb_svm=False, c=0.5, calibration_folds=0)
    model = TextClassifier.train(texts, labels, params=params)
    described = model.describe()
    assert described["params"] == {
        "ngram_max": 3,
        "min_df": 1,
        "c": 0.5,
        "nb_svm": False,
        "title_weight": 0.5,
        "calibration_folds": 0,
    }
    assert model.temperature == 1.0  # no calibration asked for
    assert described["n_features"] == model.n_features > 0
    assert described["labels"] == sorted(MESSAGES)
    assert TextClassifier.from_bytes(model.to_bytes()).params == params


def test_clean_training_set_counts_what_it_drops() -> None:
    texts = [
        "电梯坏了",  # 0 kept
        "电梯 坏了",  # 1 the same text (spaces do not count): duplicate
        "公交太少",  # 2 labelled two ways below: conflicting
        "公交太少",  # 3 conflicting
        "",  # 4 empty text
        "学校收费",  # 5 empty label
        "ＡＢＣ学校收费高",  # 6 kept
        "abc学校收费高",  # 7 full-width and case do not count: duplicate of 6
        "   ",  # 8 only whitespace: empty
    ]
    labels = [HOUSING, HOUSING, TRANSPORT, SCHOOLS, HOUSING, " ", SCHOOLS, SCHOOLS, SCHOOLS]
    titles = [f"t{i}" for i in range(len(texts))]
    cleaned = clean_training_set(texts, labels, titles)
    assert cleaned.kept == [0, 6]
    assert cleaned.texts == ["电梯坏了", "ＡＢＣ学校收费高"]
    assert cleaned.labels == [HOUSING, SCHOOLS]
    assert cleaned.titles == ["t0", "t6"]
    assert cleaned.dropped == {"empty": 3, "conflicting": 2, "duplicate": 2}
    assert cleaned.n_input == len(texts)
    assert "保留 2 条" in cleaned.summary() and "不一致 2 条" in cleaned.summary()
    assert clean_training_set(texts, labels).titles is None


def test_stratified_split_keeps_each_label_share() -> None:
    labels = ["a"] * 100 + ["b"] * 40 + ["c"] * 7 + ["d"]
    train, test = stratified_split(labels, test_size=0.3, seed=7)
    assert sorted(train + test) == list(range(len(labels)))
    assert not set(train) & set(test)
    in_test = Counter(labels[i] for i in test)
    assert in_test == {"a": 30, "b": 12, "c": 2}  # "d" has one row: it stays in training
    assert stratified_split(labels, 0.3, 7) == (train, test)
    assert stratified_split(labels, 0.3, 8) != (train, test)
    with pytest.raises(ValidationError):
        stratified_split(labels, test_size=1.5)


def test_evaluate_scores_the_held_out_part() -> None:
    texts, labels = _rows()
    model, evaluation = evaluate(texts, labels, test_size=0.3, seed=1)
    assert (evaluation.n_train, evaluation.n_test) == (42, 18)
    assert evaluation.labels == sorted(MESSAGES)
    assert sum(map(sum, evaluation.confusion)) == 18
    assert evaluation.accuracy == pytest.approx(
        sum(evaluation.confusion[i][i] for i in range(3)) / 18
    )
    assert 0.6 < evaluation.macro_f1 <= 1
    assert {m["support"] for m in evaluation.per_class.values()} == {6}
    assert evaluation.train_seconds > 0
    stored = json.loads(json.dumps(evaluation.to_dict()))
    assert Evaluation.from_dict(stored).confusion == evaluation.confusion
    assert model.info["n_train"] == 42


def test_cross_validation_scores_every_row_once() -> None:
    texts, labels = _rows()
    folds = cross_validate(texts, labels, folds=3, seed=1)
    assert len(folds) == 3
    assert sum(e.n_test for e in folds) == len(texts)
    assert all(e.n_train + e.n_test == len(texts) for e in folds)
    assert all(0.6 < e.macro_f1 <= 1 and e.train_seconds > 0 for e in folds)


def test_features_match_scikit_learn_tfidf() -> None:
    texts = _rows()[0]
    ours = CharNgramVectorizer((1, 2)).fit(texts[:40])
    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
    reference.fit([normalize_text(t) for t in texts[:40]])
    for sample in (texts[:40], texts[40:], ["", "电梯。Ｅｌｅｖａｔｏｒ\n坏了"]):
        got = ours.transform(sample).toarray()
        want = reference.transform([normalize_text(t) for t in sample]).toarray()
        # the same values per text; column order differs (n-gram numbers vs. strings)
        assert np.allclose(np.sort(got, axis=1), np.sort(want, axis=1))
    assert ours.n_features == len(reference.vocabulary_)


def test_undecodable_characters_are_unknown_not_fatal() -> None:
    texts, labels = _rows()
    broken = "\udcff小区电梯坏了\udcfe"  # lone surrogates, as bytes decoded with surrogateescape
    model = TextClassifier.train([*texts, broken], [*labels, HOUSING])
    again = TextClassifier.from_bytes(model.to_bytes())  # the alphabet stays valid UTF-8
    assert again.predict([broken])[0].label == HOUSING


def test_normalize_text_folds_width_case_and_whitespace() -> None:
    assert normalize_text("ＡＢＣ　１２３\n电梯，坏了 Ok") == "abc123电梯,坏了ok"
