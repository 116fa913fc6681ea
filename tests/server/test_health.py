from __future__ import annotations

import json

import vibing2_lab


async def test_health_answers_with_the_version(jp_fetch) -> None:
    response = await jp_fetch("vibing2-lab", "api", "health")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    data = json.loads(response.body)
    assert data == {"status": "ok", "name": "vibing2-lab", "version": vibing2_lab.__version__}


async def test_extension_is_enabled_from_its_points(jp_serverapp) -> None:
    names = jp_serverapp.extension_manager.extension_apps
    assert "vibing2_lab" in names
