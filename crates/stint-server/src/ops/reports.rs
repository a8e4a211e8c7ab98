//! Clockify's reports over a workspace's entries: the detailed report (one row each, with
//! names, rate and amount, paged), the summary (grouped up to three levels) and the weekly
//! report (a project's or member's time per day). An admin reports on every member; a
//! regular member on their own time only, as in Clockify's default permissions. Days are
//! UTC days.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap, HashSet};

use stint_api::{
    Client, DetailedReport, IdFilter, Project, ReportDay, ReportEntry, ReportGroup, ReportInterval,
    ReportRequest, ReportTag, ReportTotals, SummaryReport, Tag, Task, WeeklyGroup, WeeklyReport,
};

use super::{invalid, Op, Result};
use crate::storage::{EntryRow, Role, UserRow};

/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;

/// The names entries point at (members, projects, clients, tasks, tags) and which entries
/// are invoiced, read once per report: what turns an [`EntryRow`] into a [`ReportEntry`].
pub struct Names {
    users: HashMap<String, UserRow>,
    projects: HashMap<String, Project>,
    clients: HashMap<String, Client>,
    tasks: HashMap<String, Task>,
    tags: HashMap<String, Tag>,
    invoiced: HashSet<String>,
}

impl Names {
    /// Reads the workspace's names in the operation's transaction.
    pub fn read(op: &Op<'_>, wid: &str) -> Result<Names> {
        let mut tasks = Vec::new();
        let projects = op.tx.projects(wid)?;
        for p in &projects {
            tasks.extend(op.tx.tasks(wid, &p.id)?);
        }
        Ok(Names {
            users: by_id(op.tx.members(wid)?, |u| &u.id),
            projects: by_id(projects, |p| &p.id),
            clients: by_id(op.tx.clients(wid)?, |c| &c.id),
            tasks: by_id(tasks, |t| &t.id),
            tags: by_id(op.tx.tags(wid)?, |t| &t.id),
            invoiced: op.tx.invoiced(wid)?,
        })
    }

    /// The project's client id of an entry, if it has a project with a client.
    fn client_id(&self, e: &EntryRow) -> Option<String> {
        let project = e.project_id.as_ref().and_then(|p| self.projects.get(p));
        project.and_then(|p| p.client_id.clone())
    }

    /// `e` as a report row: names of what it points at (empty where it points at nothing
    /// that still exists), its length in seconds (a running entry's up to `now`), the
    /// hourly rate and the amount in cents.
    pub fn row(&self, e: &EntryRow, now: DateTime<Utc>) -> ReportEntry {
        let project = e.project_id.as_ref().and_then(|p| self.projects.get(p));
        let client_id = self.client_id(e);
        let task = e.task_id.as_ref().and_then(|t| self.tasks.get(t));
        let user = self.users.get(&e.user_id);
        let seconds = (e.end.unwrap_or(now) - e.start).num_seconds().max(0);
        let rate = if e.billable {
            task.and_then(|t| t.hourly_rate.as_ref())
                .or_else(|| project.and_then(|p| p.hourly_rate.as_ref()))
                .map_or(0, |r| r.amount)
        } else {
            0
        };
        ReportEntry {
            id: e.id.clone(),
            description: e.description.clone(),
            user_id: e.user_id.clone(),
            user_name: user.map(|u| u.name.clone()).unwrap_or_default(),
            user_email: user.map(|u| u.email.clone()).unwrap_or_default(),
            billable: e.billable,
            project_id: project.map(|p| p.id.clone()),
            project_name: project.map(|p| p.name.clone()).unwrap_or_default(),
            project_color: project.map(|p| p.color.clone()).unwrap_or_default(),
            client_name: client_id
                .as_ref()
                .and_then(|c| self.clients.get(c))
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            client_id,
            task_id: task.map(|t| t.id.clone()),
            task_name: task.map(|t| t.name.clone()).unwrap_or_default(),
            tags: e
                .tag_ids
                .iter()
                .filter_map(|t| self.tags.get(t))
                .map(|t| ReportTag {
                    id: t.id.clone(),
                    name: t.name.clone(),
                })
                .collect(),
            time_interval: ReportInterval {
                start: e.start,
                end: e.end,
                duration: seconds,
            },
            is_locked: e.locked,
            invoiced: self.invoiced.contains(&e.id),
            rate,
            amount: amount(rate, seconds),
        }
    }
}

fn by_id<T>(items: Vec<T>, id: fn(&T) -> &str) -> HashMap<String, T> {
    items.into_iter().map(|t| (id(&t).to_owned(), t)).collect()
}

/// A word of the request (`contains`, `sortOrder`, a group…) as Clockify writes it, in
/// capitals; lower-case from a hand-written client is read the same.
fn word(w: &Option<String>, default: &str) -> String {
    w.as_deref().unwrap_or(default).trim().to_ascii_uppercase()
}

/// An optional id as a list of none or one.
fn ids(id: &Option<String>) -> Vec<&str> {
    id.iter().map(String::as_str).collect()
}

/// Whether `ids` (an entry's) pass `filter`.
fn passes(filter: &Option<IdFilter>, ids: &[&str]) -> Result<bool> {
    let Some(f) = filter else { return Ok(true) };
    if f.ids.is_empty() {
        return Ok(true);
    }
    let any = ids.iter().any(|id| f.ids.iter().any(|f| f == id));
    match word(&f.contains, "CONTAINS").as_str() {
        "CONTAINS" => Ok(any),
        "DOES_NOT_CONTAIN" => Ok(!any),
        "CONTAINS_ONLY" => {
            Ok(!ids.is_empty() && ids.iter().all(|id| f.ids.iter().any(|f| f == id)))
        }
        other => Err(invalid(format!(
            "contains must be CONTAINS, DOES_NOT_CONTAIN or CONTAINS_ONLY, not {other:?}"
        ))),
    }
}

/// Every matching entry of the request's range as a report row, oldest first.
pub fn rows(op: &mut Op<'_>, wid: &str, req: &ReportRequest) -> Result<Vec<ReportEntry>> {
    let wid = op.workspace(wid)?;
    let (from, to) = (req.date_range_start, req.date_range_end);
    if to < from || to - from > chrono::Duration::days(MAX_DAYS) {
        return Err(invalid(format!(
            "dateRangeEnd must not be before dateRangeStart, and at most {MAX_DAYS} days after it"
        )));
    }
    let names = Names::read(op, &wid)?;
    let only_own = op.actor.role != Role::Admin;
    let invoicing = match word(&req.invoicing_state, "ALL").as_str() {
        "ALL" => None,
        "INVOICED" => Some(true),
        "UNINVOICED" => Some(false),
        other => {
            return Err(invalid(format!(
                "invoicingState must be ALL, INVOICED or UNINVOICED, not {other:?}"
            )))
        }
    };
    let description = req.description.as_deref().map(str::to_lowercase);
    let mut out = Vec::new();
    // The end is inclusive, as Clockify reads it.
    let end = to + chrono::Duration::milliseconds(1);
    for e in op.tx.entries_between(&wid, from, end)? {
        if only_own && e.user_id != op.actor.id {
            continue;
        }
        let client_id = names.client_id(&e);
        let tag_ids: Vec<&str> = e.tag_ids.iter().map(String::as_str).collect();
        let keep = passes(&req.users, &[e.user_id.as_str()])?
            && passes(&req.projects, &ids(&e.project_id))?
            && passes(&req.clients, &ids(&client_id))?
            && passes(&req.tasks, &ids(&e.task_id))?
            && passes(&req.tags, &tag_ids)?
            && req.billable.is_none_or(|b| e.billable == b)
            && description
                .as_ref()
                .is_none_or(|d| e.description.to_lowercase().contains(d.as_str()))
            && (req.without_description != Some(true) || e.description.trim().is_empty())
            && invoicing.is_none_or(|i| names.invoiced.contains(&e.id) == i);
        if !keep {
            continue;
        }
        out.push(names.row(&e, op.now));
    }
    Ok(out)
}

/// Cents an hour times seconds, rounded to the cent (in 128 bits, then held to `i64`:
/// rates are capped, so this only guards against rows written before the cap).
fn amount(rate: i64, seconds: i64) -> i64 {
    let cents = (i128::from(rate) * i128::from(seconds) + 1800) / 3600;
    i64::try_from(cents).unwrap_or(i64::MAX)
}

/// The sums over `rows`.
pub fn totals(rows: &[ReportEntry]) -> Vec<ReportTotals> {
    let mut t = ReportTotals::default();
    for r in rows {
        t.total_time = t.total_time.saturating_add(r.time_interval.duration);
        if r.billable {
            t.total_billable_time = t
                .total_billable_time
                .saturating_add(r.time_interval.duration);
        }
        t.entries_count += 1;
        t.total_amount = t.total_amount.saturating_add(r.amount);
    }
    vec![t]
}

fn descending(req: &ReportRequest) -> Result<bool> {
    match word(&req.sort_order, "DESCENDING").as_str() {
        "DESCENDING" => Ok(true),
        "ASCENDING" => Ok(false),
        other => Err(invalid(format!(
            "sortOrder must be ASCENDING or DESCENDING, not {other:?}"
        ))),
    }
}

/// Every matching row in the order the request asks: `detailedFilter.sortColumn` (`DATE`,
/// `USER`, `PROJECT`, `DESCRIPTION`; the start time and id break ties) and `sortOrder`.
/// The detailed report pages these; its CSV export writes them all.
pub fn sorted_rows(op: &mut Op<'_>, wid: &str, req: &ReportRequest) -> Result<Vec<ReportEntry>> {
    let filter = req.detailed_filter.clone().unwrap_or_default();
    let column = word(&filter.sort_column, "DATE");
    let by: fn(&ReportEntry) -> String = match column.as_str() {
        "DATE" => |_| String::new(),
        "USER" => |r| r.user_name.to_lowercase(),
        "PROJECT" => |r| r.project_name.to_lowercase(),
        "DESCRIPTION" => |r| r.description.to_lowercase(),
        other => {
            return Err(invalid(format!(
            "detailedFilter.sortColumn must be DATE, USER, PROJECT or DESCRIPTION, not {other:?}"
        )))
        }
    };
    let descending = descending(req)?;
    let mut all = rows(op, wid, req)?;
    all.sort_by(|a, b| {
        (by(a), a.time_interval.start, &a.id).cmp(&(by(b), b.time_interval.start, &b.id))
    });
    if descending {
        all.reverse();
    }
    Ok(all)
}

pub fn detailed(op: &mut Op<'_>, wid: &str, req: &ReportRequest) -> Result<DetailedReport> {
    let filter = req.detailed_filter.clone().unwrap_or_default();
    let page = filter.page.unwrap_or(1) as usize;
    if page == 0 {
        return Err(invalid("detailedFilter.page counts from 1"));
    }
    let size = filter.page_size.unwrap_or(50);
    if !(1..=1000).contains(&size) {
        return Err(invalid("detailedFilter.pageSize must be from 1 to 1000"));
    }
    let all = sorted_rows(op, wid, req)?;
    let totals = totals(&all);
    let skip = (page - 1).saturating_mul(size as usize);
    Ok(DetailedReport {
        totals,
        timeentries: all.into_iter().skip(skip).take(size as usize).collect(),
    })
}

/// The zone a report counts its days in (`timeZone`, Clockify's field): UTC without one.
fn zone_of(req: &ReportRequest) -> Result<Tz> {
    match req
        .time_zone
        .as_deref()
        .map(str::trim)
        .filter(|z| !z.is_empty())
    {
        None => Ok(Tz::UTC),
        Some(name) => name.parse::<Tz>().map_err(|_| {
            let shown: String = name.chars().take(60).collect();
            invalid(format!(
                "timeZone {shown:?} is not a time zone name (IANA, such as Europe/Berlin)"
            ))
        }),
    }
}

/// The group an entry falls in at one level: `(id, name)` each (an entry is in one group
/// per level, except by `TAG`, where it is in each of its tags').
fn keys_of(group: &str, r: &ReportEntry, zone: Tz) -> Result<Vec<(String, String)>> {
    let named = |id: &Option<String>, name: &str, none: &str| {
        vec![match id {
            Some(id) => (id.clone(), name.to_owned()),
            None => (String::new(), none.to_owned()),
        }]
    };
    Ok(match group {
        "PROJECT" => named(&r.project_id, &r.project_name, "(Without project)"),
        "CLIENT" => named(&r.client_id, &r.client_name, "(Without client)"),
        "TASK" => named(&r.task_id, &r.task_name, "(Without task)"),
        "USER" => vec![(r.user_id.clone(), r.user_name.clone())],
        "TAG" if r.tags.is_empty() => vec![(String::new(), "(Without tag)".into())],
        "TAG" => r.tags.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        "DATE" => {
            let day = r.time_interval.start.with_timezone(&zone).format("%Y-%m-%d").to_string();
            vec![(day.clone(), day)]
        }
        "MONTH" => {
            let month = r.time_interval.start.with_timezone(&zone).format("%Y-%m").to_string();
            vec![(month.clone(), month)]
        }
        "TIMEENTRY" => {
            let d = r.description.trim();
            let name = if d.is_empty() { "(Without description)" } else { d };
            vec![(d.to_lowercase(), name.to_owned())]
        }
        other => {
            return Err(invalid(format!(
                "summaryFilter.groups: {other:?} is not one of PROJECT, CLIENT, TASK, USER, TAG, DATE, MONTH, TIMEENTRY"
            )))
        }
    })
}

fn grouped(
    rows: &[&ReportEntry],
    groups: &[String],
    by_duration: bool,
    zone: Tz,
) -> Result<Vec<ReportGroup>> {
    let Some((level, rest)) = groups.split_first() else {
        return Ok(Vec::new());
    };
    let mut buckets: BTreeMap<String, (String, Vec<&ReportEntry>)> = BTreeMap::new();
    for r in rows {
        for (id, name) in keys_of(level, r, zone)? {
            buckets
                .entry(id)
                .or_insert_with(|| (name, Vec::new()))
                .1
                .push(r);
        }
    }
    let mut out = Vec::new();
    for (id, (name, members)) in buckets {
        out.push(ReportGroup {
            id,
            name_lower_case: name.to_lowercase(),
            name,
            duration: members
                .iter()
                .map(|r| r.time_interval.duration)
                .fold(0, i64::saturating_add),
            amount: members
                .iter()
                .map(|r| r.amount)
                .fold(0, i64::saturating_add),
            children: grouped(&members, rest, by_duration, zone)?,
        });
    }
    if by_duration {
        out.sort_by(|a, b| {
            b.duration
                .cmp(&a.duration)
                .then(a.name_lower_case.cmp(&b.name_lower_case))
        });
    } else {
        out.sort_by(|a, b| {
            a.name_lower_case
                .cmp(&b.name_lower_case)
                .then(a.id.cmp(&b.id))
        });
    }
    Ok(out)
}

pub fn summary(op: &mut Op<'_>, wid: &str, req: &ReportRequest) -> Result<SummaryReport> {
    let filter = req.summary_filter.clone().unwrap_or_default();
    let groups = filter
        .groups
        .unwrap_or_else(|| vec!["PROJECT".into(), "TIMEENTRY".into()]);
    let groups: Vec<String> = groups
        .iter()
        .map(|g| g.trim().to_ascii_uppercase())
        .collect();
    let distinct: std::collections::HashSet<&String> = groups.iter().collect();
    if distinct.len() != groups.len() {
        return Err(invalid("summaryFilter.groups names each group once"));
    }
    if !(1..=3).contains(&groups.len()) {
        return Err(invalid("summaryFilter.groups takes one to three groups"));
    }
    let by_duration = match word(&filter.sort_column, "GROUP").as_str() {
        "GROUP" => false,
        "DURATION" => true,
        other => {
            return Err(invalid(format!(
                "summaryFilter.sortColumn must be GROUP or DURATION, not {other:?}"
            )))
        }
    };
    let zone = zone_of(req)?;
    let all = rows(op, wid, req)?;
    let refs: Vec<&ReportEntry> = all.iter().collect();
    Ok(SummaryReport {
        totals: totals(&all),
        group_one: grouped(&refs, &groups, by_duration, zone)?,
    })
}

pub fn weekly(op: &mut Op<'_>, wid: &str, req: &ReportRequest) -> Result<WeeklyReport> {
    let group = req.weekly_filter.as_ref().and_then(|w| w.group.clone());
    let group = word(&group, "PROJECT");
    if !matches!(group.as_str(), "PROJECT" | "USER") {
        return Err(invalid(format!(
            "weeklyFilter.group must be PROJECT or USER, not {group:?}"
        )));
    }
    let zone = zone_of(req)?;
    let all = rows(op, wid, req)?;
    let refs: Vec<&ReportEntry> = all.iter().collect();
    let rows_of = grouped(&refs, std::slice::from_ref(&group), false, zone)?;
    let mut out = Vec::new();
    for row in rows_of {
        let members: Vec<&ReportEntry> = all
            .iter()
            .filter(|r| keys_of(&group, r, zone).is_ok_and(|k| k[0].0 == row.id))
            .collect();
        let days = grouped(&members, &["DATE".to_owned()], false, zone)?
            .into_iter()
            .map(|d| ReportDay {
                date: d.id,
                duration: d.duration,
                amount: d.amount,
            })
            .collect();
        out.push(WeeklyGroup {
            id: row.id,
            name: row.name,
            duration: row.duration,
            amount: row.amount,
            days,
        });
    }
    Ok(WeeklyReport {
        totals: totals(&all),
        group_one: out,
    })
}
