"""The AIGC implicit label of a .docx file, in ``docProps/custom.xml`` (GB 45438-2025 Annex E).

python-docx reads and writes the core properties only, so the custom-properties part is built
here: one ``AIGC`` property holding the label's JSON (:func:`govai.gateway.labels.implicit_label`).
Writing again replaces the property, so a file carries exactly one label however often it is
exported.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part

from govai.gateway.labels import AIGC_KEY, implicit_label_json

CUSTOM_URI = "/docProps/custom.xml"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def _custom_xml(properties: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{FMTID}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(properties.items(), start=2)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{_NS}" xmlns:vt="{_VT}">{items}</Properties>'
    ).encode()


def set_docx_label(document: Any, label: dict[str, Any]) -> None:
    """Put ``label`` into ``document``'s custom properties as the one AIGC property."""
    package = document.part.package
    for rel in list(package.rels.values()):
        if rel.reltype == RELATIONSHIP_TYPE.CUSTOM_PROPERTIES:
            package.rels.pop(rel.rId)
    part = Part(
        PackURI(CUSTOM_URI),
        CUSTOM_CT,
        _custom_xml({AIGC_KEY: implicit_label_json(label)}),
        package,
    )
    package.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)
