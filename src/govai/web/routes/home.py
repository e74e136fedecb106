"""The home page: what this caller may use, and nothing else."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from govai.web.policy import Anyone
from govai.web.render import render

router = APIRouter()


@router.get("/")
def home(request: Request, principal: Anyone) -> Response:
    return render(request, "home.html")
