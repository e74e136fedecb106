import json

from govai.gateway.labels import (
    EXPLICIT_LABEL,
    add_explicit_label,
    implicit_label,
    implicit_label_json,
    new_produce_id,
    set_implicit_label,
    strip_explicit_label,
)
from govai.settings import Settings

SETTINGS = Settings.load({}).replace(content_producer="示范市政务服务和数据管理局")


def test_explicit_label_is_at_the_start_once() -> None:
    labelled = add_explicit_label("依据条例，可以提取。")
    assert labelled.startswith("「本内容由人工智能生成」")
    assert add_explicit_label(labelled) == labelled
    assert strip_explicit_label(labelled) == "依据条例，可以提取。"
    assert "人工智能" in EXPLICIT_LABEL and "生成" in EXPLICIT_LABEL


def test_implicit_label_has_every_gb45438_field() -> None:
    label = implicit_label(SETTINGS, "p1")
    assert list(label["AIGC"]) == [
        "Label",
        "ContentProducer",
        "ProduceID",
        "ReservedCode1",
        "ContentPropagator",
        "PropagateID",
        "ReservedCode2",
    ]
    assert label["AIGC"]["Label"] == "1"
    assert label["AIGC"]["ContentProducer"] == "示范市政务服务和数据管理局"
    assert label["AIGC"]["ProduceID"] == "p1"


def test_produce_ids_are_unique() -> None:
    assert len({new_produce_id() for _ in range(1000)}) == 1000


def test_label_json_is_compact_ascii_and_round_trips() -> None:
    label = implicit_label(SETTINGS, "p1")
    text = implicit_label_json(label)
    assert text.isascii() and " " not in text
    assert json.loads(text) == label


def test_setting_a_label_overwrites_instead_of_appending() -> None:
    metadata = {"title": "通知", "aigc_old": "{}", "AIGC": '{"AIGC":{"Label":"3"}}'}
    set_implicit_label(metadata, implicit_label(SETTINGS, "p1"))
    set_implicit_label(metadata, implicit_label(SETTINGS, "p2"))
    aigc_fields = [k for k in metadata if "aigc" in k.lower()]
    assert aigc_fields == ["AIGC"]
    assert json.loads(metadata["AIGC"])["AIGC"]["ProduceID"] == "p2"
    assert metadata["title"] == "通知"
