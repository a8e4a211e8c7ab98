"""A Clockify client as third-party tools write them (Python and `requests`), pointed at
Stint: who am I, workspaces, find a project by name, start a timer with a project, task and
tags, see it in progress both ways, stop it, list this week hydrated and filtered, edit,
detailed and summary reports, delete. Run by tests/clockify_client.rs with STINT_URL and
STINT_KEY (an admin's key) set; any difference from Clockify's behaviour exits non-zero
with the step that failed."""

import datetime
import os
import sys

import requests

BASE = os.environ["STINT_URL"] + "/api/v1"
REPORTS = os.environ["STINT_URL"] + "/reports/v1"
session = requests.Session()
session.headers.update({"X-Api-Key": os.environ["STINT_KEY"], "Content-Type": "application/json"})


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ok(response, status=200):
    if response.status_code != status:
        sys.exit(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
    return response.json() if response.content else None


def check(condition, what):
    if not condition:
        sys.exit(f"failed: {what}")
    print(f"ok: {what}")


me = ok(session.get(f"{BASE}/user"))
ws = me["activeWorkspace"]
check(me["defaultWorkspace"] == ws and me["status"] == "ACTIVE", "who am I")
check(any(w["id"] == ws for w in ok(session.get(f"{BASE}/workspaces"))), "workspaces")

# An admin's setup, as Clockify's clients make it.
client = ok(session.post(f"{BASE}/workspaces/{ws}/clients", json={"name": "Acme", "note": None}), 201)
project = ok(session.post(f"{BASE}/workspaces/{ws}/projects",
                          json={"name": "Website", "clientId": client["id"], "color": "#03A9F4",
                                "billable": True, "isPublic": True}), 201)
ok(session.post(f"{BASE}/workspaces/{ws}/projects", json={"name": "Website redesign"}), 201)
task = ok(session.post(f"{BASE}/workspaces/{ws}/projects/{project['id']}/tasks",
                       json={"name": "Design", "assigneeIds": [me["id"]], "status": "ACTIVE"}), 201)
tag = ok(session.post(f"{BASE}/workspaces/{ws}/tags", json={"name": "urgent"}), 201)

# Find a project by name (strict), and page through every project until Last-Page.
found = ok(session.get(f"{BASE}/workspaces/{ws}/projects",
                       params={"name": "website", "strict-name-search": "true"}))
check([p["id"] for p in found] == [project["id"]], "find a project by name")
check(found[0]["clientName"] == "Acme", "a project's clientName")
seen, page = [], 1
while True:
    r = session.get(f"{BASE}/workspaces/{ws}/projects", params={"page": page, "page-size": 1})
    seen += ok(r)
    if r.headers.get("Last-Page") == "true" or page > 10:
        break
    page += 1
check(len(seen) == 2, "paging through projects ends")
tasks = ok(session.get(f"{BASE}/workspaces/{ws}/projects/{project['id']}/tasks", params={"name": "design"}))
tags = ok(session.get(f"{BASE}/workspaces/{ws}/tags", params={"name": "URGENT"}))
check(tasks[0]["id"] == task["id"] and tags[0]["id"] == tag["id"], "find a task and a tag by name")

# Start a timer with project, task and tags, and the fields clients send besides.
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
started = now - datetime.timedelta(hours=1)
entry = ok(session.post(f"{BASE}/workspaces/{ws}/time-entries",
                        json={"start": iso(started), "description": "Landing page",
                              "projectId": project["id"], "taskId": task["id"],
                              "tagIds": [tag["id"]], "billable": True,
                              "customFieldValues": [], "end": None}), 201)
check(entry["timeInterval"]["end"] is None, "a timer runs")
running = ok(session.get(f"{BASE}/workspaces/{ws}/time-entries/status/in-progress"))
check([e["id"] for e in running] == [entry["id"]], "in progress, the workspace's way")
running = ok(session.get(f"{BASE}/workspaces/{ws}/user/{me['id']}/time-entries",
                         params={"in-progress": "true"}))
check([e["id"] for e in running] == [entry["id"]], "in progress, the user's list")
stopped = ok(session.patch(f"{BASE}/workspaces/{ws}/user/{me['id']}/time-entries",
                           json={"end": iso(now)}))
check(stopped["timeInterval"]["duration"] == "PT1H", "stopped after an hour")

# This week's entries, hydrated and filtered.
monday = (now - datetime.timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
week = ok(session.get(f"{BASE}/workspaces/{ws}/user/{me['id']}/time-entries",
                      params={"start": iso(min(monday, started)), "hydrated": "true",
                              "project": project["id"], "tags": tag["id"], "page-size": 50}))
check(len(week) == 1 and week[0]["project"]["name"] == "Website", "hydrated with its project")
check(week[0]["task"]["name"] == "Design" and week[0]["tags"][0]["name"] == "urgent",
      "hydrated with its task and tags")
check(ok(session.get(f"{BASE}/workspaces/{ws}/user/{me['id']}/time-entries",
                     params={"description": "nothing like it"})) == [], "a description filter")

# Edit as Clockify's clients do: PUT the whole entry.
edited = ok(session.put(f"{BASE}/workspaces/{ws}/time-entries/{entry['id']}",
                        json={"start": iso(started), "end": iso(now), "description": "Landing page copy",
                              "projectId": project["id"], "taskId": task["id"],
                              "tagIds": [tag["id"]], "billable": True}))
check(edited["description"] == "Landing page copy", "edit")

# Reports.
span = {"dateRangeStart": iso(started - datetime.timedelta(days=1)),
        "dateRangeEnd": iso(now + datetime.timedelta(days=1)),
        "amountShown": "HIDE_AMOUNT", "timeZone": "Europe/Berlin"}
detailed = ok(session.post(f"{REPORTS}/workspaces/{ws}/reports/detailed",
                           json={**span, "detailedFilter": {"page": 1, "pageSize": 50},
                                 "projects": {"ids": [project["id"]], "contains": "CONTAINS"}}))
check([e["description"] for e in detailed["timeentries"]] == ["Landing page copy"], "detailed report")
check(detailed["totals"][0]["totalTime"] == 3600, "detailed report totals")
summary = ok(session.post(f"{REPORTS}/workspaces/{ws}/reports/summary",
                          json={**span, "summaryFilter": {"groups": ["PROJECT", "TASK"]}}))
check(summary["groupOne"][0]["name"] == "Website"
      and summary["groupOne"][0]["children"][0]["name"] == "Design", "summary report")

# Delete.
ok(session.delete(f"{BASE}/workspaces/{ws}/time-entries/{entry['id']}"), 204)
gone = session.get(f"{BASE}/workspaces/{ws}/time-entries/{entry['id']}")
check(gone.status_code == 404 and gone.json()["code"] == 404, "deleted, and a 404 in Clockify's shape")
print("all steps passed")
