"""/api/log: keyword search, keyset cursor, username resolution, capped totals, CSV export."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import httpx
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_ERROR, Log
from relaygate.logs import export, repository


async def _rows(
    client: httpx.AsyncClient, user: Actor, name: str, count: int, **fields: Any
) -> None:
    now = int(time.time())
    async with runtime_of(client).database.unit_of_work() as session:
        session.add_all(
            [
                Log(
                    **{
                        "user_id": user.id,
                        "username": name,
                        "type": LOG_TYPE_CONSUME,
                        "model_name": "gpt-4o",
                        "token_name": "main",
                        "quota": 10,
                        "created_at": now - i,
                        "content": f"call {i}",
                        "other": '{"admin_info": {"admin_id": 1}, "model_ratio": 1}',
                        **fields,
                    }
                )
                for i in range(count)
            ]
        )


def _csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


async def test_keyset_cursor_walks_every_row_once(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    await _rows(app_client, alice, "alice", 25)
    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        page = await ok(
            await app_client.get(
                f"/api/log/?page_size=10&cursor={cursor}&username=alice", headers=root.headers
            )
        )
        assert page["total"] == 25
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    # offset pages agree with the keyset walk
    third = await ok(await app_client.get("/api/log/?p=3&page_size=10", headers=root.headers))
    assert [item["id"] for item in third["items"]] == seen[20:]
    assert "游标" in refused(await app_client.get("/api/log/?cursor=x,y", headers=root.headers))

    own = await ok(await app_client.get("/api/log/self?page_size=10", headers=alice.headers))
    assert [item["id"] for item in own["items"]] == list(range(1, 11))
    after = await ok(
        await app_client.get(
            f"/api/log/self?page_size=10&cursor={own['next_cursor']}", headers=alice.headers
        )
    )
    assert after["items"][0]["content"] == "call 10"


async def test_filters_keyword_user_id_and_renamed_username(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    bob = await create_user(app_client, root, "bob")
    # rows written while alice was still called "alicia": her current name still finds them
    await _rows(app_client, alice, "alicia", 3)
    await _rows(app_client, bob, "bob", 2, type=LOG_TYPE_ERROR, content="upstream 50% down_now")

    async def total(query: str) -> int:
        page = await ok(await app_client.get(f"/api/log/?{query}", headers=root.headers))
        return int(page["total"])

    assert await total("username=alice") == 3
    assert await total('username="alice"') == 3
    assert await total("username=alicia") == 3  # no such user: the row snapshot matches
    assert await total("username=ali%25") == 3
    assert await total(f"user_id={bob.id}") == 2
    assert await total("keyword=50%25 down_") == 2  # % and _ are literal in a keyword
    assert await total("keyword=call 1") == 1
    assert await total("keyword=nothing") == 0
    assert "连续" in refused(
        await app_client.get("/api/log/?model_name=%25%25x", headers=root.headers)
    )
    assert "至少" in refused(
        await app_client.get("/api/log/?model_name=g%25", headers=root.headers)
    )
    stat = await ok(await app_client.get("/api/log/stat?keyword=call", headers=root.headers))
    assert stat["quota"] == 30


async def test_count_stops_at_the_limit(app_client: httpx.AsyncClient, monkeypatch: Any) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    await _rows(app_client, alice, "alice", 12)
    monkeypatch.setattr(repository, "LOG_COUNT_LIMIT", 5)
    page = await ok(await app_client.get("/api/log/?page_size=3", headers=root.headers))
    assert page["total"] == 5
    assert len(page["items"]) == 3


async def test_csv_export_streams_filtered_rows(
    app_client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    bob = await create_user(app_client, root, "bob")
    await _rows(app_client, alice, "alice", 7)
    await _rows(app_client, bob, "bob", 2, model_name="=HYPERLINK(1)")
    monkeypatch.setattr(export, "EXPORT_BATCH", 3)  # several keyset batches

    everything = _csv_rows(await app_client.get("/api/log/export", headers=root.headers))
    assert len(everything) == 9
    assert list(everything[0])[:3] == ["id", "time", "created_at"]
    assert len({row["id"] for row in everything}) == 9
    created = [int(row["created_at"]) for row in everything]
    assert created == sorted(created, reverse=True)
    assert {row["model_name"] for row in everything if row["username"] == "bob"} == {
        "'=HYPERLINK(1)"
    }
    assert "admin_info" in everything[0]["other"]

    only_alice = _csv_rows(
        await app_client.get("/api/log/export?username=alice&limit=4", headers=root.headers)
    )
    assert len(only_alice) == 4
    assert {row["username"] for row in only_alice} == {"alice"}

    mine = _csv_rows(
        await app_client.get("/api/log/self/export?username=bob", headers=alice.headers)
    )
    assert len(mine) == 7
    assert "id" not in mine[0]
    assert "user_id" not in mine[0]
    assert all("admin_info" not in row["other"] for row in mine)

    assert "权限不足" in refused(await app_client.get("/api/log/export", headers=alice.headers))
    assert (await app_client.get("/api/log/self/export")).status_code == 401
