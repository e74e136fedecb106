"""The files an applicant uploads for an application's materials.

An upload is checked before anything is stored (:func:`check_upload`): its size, that it is not
empty, and — against the material's accepted types — its extension and its content (a photo
renamed to .pdf is refused with the fix). A stored file (``apv_file``) names its material; the
application's material list records the file name, which is what the pre-check reads.

Who sees a file: the people who see the application's personal data
(:func:`govai.scenarios.applications.may_see_personal`) — a file is personal data by nature, so
the system administrator's starred view does not include it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from govai.accounts.principal import Principal
from govai.approval.items import MaterialSpec
from govai.approval.materials import check_file_type
from govai.errors import NotFound, ValidationError
from govai.scenarios.approval.applications import get_application, may_see_personal
from govai.scenarios.approval.models import Application, ApplicationFile

__all__ = ["MAX_FILE_BYTES", "Upload", "attach", "check_upload", "files_of", "get_file"]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 30


@dataclass(frozen=True)
class Upload:
    material: str
    filename: str
    data: bytes


def check_upload(spec: MaterialSpec | None, upload: Upload) -> list[str]:
    """Why ``upload`` cannot be stored for its material (empty: it can)."""
    name = PurePath(upload.filename).name
    if not name:
        return [f"材料“{upload.material}”的文件没有文件名。"]
    if len(upload.data) > MAX_FILE_BYTES:
        return [
            f"材料“{upload.material}”的文件“{name}”超过 {MAX_FILE_BYTES // 1024 // 1024} MB，"
            "请压缩或拆分后上传。"
        ]
    if not upload.data:
        return [f"材料“{upload.material}”的文件“{name}”是空文件，请重新选择。"]
    if spec is None:
        return []
    return [f.message_zh for f in check_file_type(spec, name, upload.data)]


def attach(session: Session, row: Application, uploads: Sequence[Upload]) -> list[ApplicationFile]:
    """Store ``uploads`` for application ``row`` (checked by the caller with
    :func:`check_upload`); a new file for a material replaces nothing: both are kept."""
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件。")
    stored = []
    for upload in uploads:
        entry = ApplicationFile(
            application_id=row.id,
            material=upload.material[:300],
            filename=PurePath(upload.filename).name[:300],
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            data=upload.data,
        )
        session.add(entry)
        stored.append(entry)
    session.flush()
    return stored


def files_of(session: Session, row: Application) -> list[ApplicationFile]:
    """The files of an application, without their bytes loaded, oldest first."""
    return list(
        session.execute(
            select(ApplicationFile)
            .options(defer(ApplicationFile.data))
            .where(ApplicationFile.application_id == row.id)
            .order_by(ApplicationFile.id)
        ).scalars()
    )


def get_file(
    session: Session, actor: Principal, application_id: int, file_id: int
) -> ApplicationFile:
    row = get_application(session, actor, application_id)
    entry = session.get(ApplicationFile, file_id)
    if entry is None or entry.application_id != row.id or not may_see_personal(session, actor, row):
        raise NotFound(f"没有编号为 {file_id} 的材料文件，或您无权查看。")
    return entry
