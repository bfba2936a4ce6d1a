//! The ticket list and its counts: the query of a filter, keyword search
//! through the search index's plan, keyset paging past a cursor, the order.

use super::*;

/// The column values of a list filter's items.
pub(super) fn column<T, V>(items: &[T], value: impl Fn(&T) -> V) -> Vec<V> {
    items.iter().map(value).collect()
}

/// The tickets matching `filter`, as a boxed query (unordered).
pub(super) fn filtered<'a>(
    filter: &TicketFilter,
) -> diesel::helper_types::IntoBoxed<'a, TicketsWithCategory, Backend> {
    let mut query = tickets_with_category!().into_boxed();
    if !filter.include_deleted {
        // Written without a bind parameter, so that the partial indexes of
        // live tickets (`WHERE NOT is_delete`) match it in every plan.
        query = query.filter(diesel::dsl::not(tickets::is_delete));
    }
    if let Some(owner) = &filter.owner {
        query = query.filter(tickets::user_id.eq(owner.as_str().to_owned()));
    }
    if let Some(keyword) = &filter.keyword {
        query = query.filter(
            tickets::search_text
                .like(like_literal(&keyword.folded()))
                .escape('\\'),
        );
    }
    if !filter.statuses.is_empty() {
        query = query.filter(tickets::status.eq_any(column(&filter.statuses, |s| s.code())));
    }
    if !filter.priorities.is_empty() {
        query = query.filter(tickets::priority.eq_any(column(&filter.priorities, |p| p.code())));
    }
    if !filter.category_ids.is_empty() {
        query =
            query.filter(tickets::category_id.eq_any(column(&filter.category_ids, |c| c.get())));
    }
    if !filter.sub_category_ids.is_empty() {
        query = query
            .filter(tickets::sub_category_id.eq_any(column(&filter.sub_category_ids, |c| c.get())));
    }
    if !filter.user_ids.is_empty() {
        query = query
            .filter(tickets::user_id.eq_any(column(&filter.user_ids, |u| u.as_str().to_owned())));
    }
    match (filter.assignee_ids.is_empty(), filter.unassigned) {
        (true, false) => {}
        (true, true) => query = query.filter(tickets::assignee_id.is_null()),
        (false, false) => {
            query = query.filter(
                tickets::assignee_id
                    .eq_any(column(&filter.assignee_ids, |u| u.as_str().to_owned())),
            );
        }
        (false, true) => {
            query = query.filter(
                tickets::assignee_id
                    .eq_any(column(&filter.assignee_ids, |u| u.as_str().to_owned()))
                    .or(tickets::assignee_id.is_null()),
            );
        }
    }
    if let Some(from) = filter.created_from {
        query = query.filter(tickets::created_date.ge(to_db_time(from)));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(tickets::created_date.le(to_db_time(to)));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(tickets::modified_date.ge(to_db_time(since)));
    }
    match filter.sla_breached {
        // Written without a bind parameter, like `is_delete`, so that the
        // partial indexes of breached tickets match it.
        Some(true) => query = query.filter(tickets::sla_breached),
        Some(false) => query = query.filter(diesel::dsl::not(tickets::sla_breached)),
        None => {}
    }
    query
}

/// How the filter's keyword is best served (a walk when there is none).
pub(super) fn keyword_plan(
    conn: &mut AnyConnection,
    filter: &TicketFilter,
    search: &SearchContext,
    purpose: Purpose,
    plans: &mut Plans,
) -> Result<Plan, RepoError> {
    match &filter.keyword {
        Some(keyword) => search::plan(conn, &keyword.folded(), &search.0, search.1, purpose, plans),
        None => Ok(Plan::Walk),
    }
}

/// The tickets matching `filter` from `after` on, in its order, served as
/// `plan` says; `None` when no ticket can match.
pub(super) fn query_for<'a>(
    filter: &TicketFilter,
    after: Option<Position>,
    plan: &Plan,
) -> Option<diesel::helper_types::IntoBoxed<'a, TicketsWithCategory, Backend>> {
    match plan {
        Plan::Nothing => None,
        Plan::Walk => Some(sorted(filter, after, false)),
        Plan::Words(groups) => Some(sorted(filter, after, true).filter(HoldsWords(groups.clone()))),
        Plan::Candidates(ids) => Some(sorted(filter, after, false).filter(AmongIds::new(ids))),
    }
}

/// What guides keyword search: SQLite's sample and the thresholds.
pub(super) type SearchContext = (std::sync::Arc<search::SampleCache>, search::Tuning);

/// A page of the tickets matching `filter`.
pub(super) fn page_of_tickets(
    conn: &mut AnyConnection,
    filter: &TicketFilter,
    page: Page,
    search: &SearchContext,
    plans: &mut Plans,
) -> Result<Vec<TicketView>, RepoError> {
    let plan = keyword_plan(conn, filter, search, Purpose::Page, plans)?;
    let rows = || {
        query_for(filter, page.after, &plan).map(|q| {
            let q = q.select((TicketRow::as_select(), CategoryRow::as_select()));
            Window::new(q, u64::from(page.limit), page.offset)
        })
    };
    let Some(query) = rows() else {
        return Ok(Vec::new());
    };
    let rows = walking(conn, walks_a_keyword(filter, &plan), |conn| {
        plans.note(conn, rows)?;
        query.load::<ViewRow>(conn).map_err(db_error)
    })?;
    rows.into_iter().map(into_view).collect()
}

/// Whether a query tests a keyword on every ticket of a walk.
pub(super) fn walks_a_keyword(filter: &TicketFilter, plan: &Plan) -> bool {
    filter.keyword.is_some() && *plan == Plan::Walk
}

/// Runs `work`, on PostgreSQL with sequential scans and sorts off when
/// `walk` is set.
///
/// A keyword walk tests a `LIKE $1` whose share of matches a generic plan
/// cannot know; guessing it small, the plan for a count (up to 10,001
/// matches) or a deep offset reads the whole table and sorts it instead of
/// walking the list's index until it has enough. The walk is always the
/// better plan here (the keyword is held by many tickets, or the index could
/// not narrow it): without scans and sorts, an index walk is the plan left.
pub(super) fn walking<T>(
    conn: &mut AnyConnection,
    walk: bool,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, RepoError>,
) -> Result<T, RepoError> {
    if !walk || !matches!(conn, AnyConnection::Postgresql(_)) {
        return work(conn);
    }
    conn.transaction(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
            .map_err(TxError::Diesel)?;
        work(conn).map_err(TxError::Repo)
    })
    .map_err(TxError::into_repo)
}

/// How many tickets match `filter`, counting no further than `at_most`.
pub(super) fn count_of_tickets(
    conn: &mut AnyConnection,
    filter: &TicketFilter,
    at_most: u64,
    search: &SearchContext,
    plans: &mut Plans,
) -> Result<u64, RepoError> {
    let plan = keyword_plan(conn, filter, search, Purpose::Count, plans)?;
    // A walk goes in the list's order, so that it follows the list's index
    // and stops where it reaches `at_most`; the tickets the word index names
    // are counted in any order, stopping there too. Either costs no more
    // than the matches it stops at, however many tickets match.
    let ids = || {
        let query = match &plan {
            Plan::Words(groups) => Some(filtered(filter).filter(HoldsWords(groups.clone()))),
            other => query_for(filter, None, other),
        };
        query.map(|q| Window::new(q.select(tickets::id), at_most, 0))
    };
    let Some(query) = ids() else {
        return Ok(0);
    };
    let ids: Vec<i64> = walking(conn, walks_a_keyword(filter, &plan), |conn| {
        plans.note(conn, ids)?;
        query.load(conn).map_err(db_error)
    })?;
    Ok(ids.len() as u64)
}

/// `query` without the rows up to and including `after` in the order `sort`:
/// a keyset condition that the sort's index serves as a range.
pub(super) fn past<'a>(
    query: diesel::helper_types::IntoBoxed<'a, TicketsWithCategory, Backend>,
    sort: TicketSort,
    after: Position,
) -> diesel::helper_types::IntoBoxed<'a, TicketsWithCategory, Backend> {
    macro_rules! past {
        ($col:expr, $v:expr) => {{
            let v = $v;
            if sort.descending {
                query.filter($col.le(v).and($col.lt(v).or(tickets::id.lt(after.id))))
            } else {
                query.filter($col.ge(v).and($col.gt(v).or(tickets::id.gt(after.id))))
            }
        }};
    }
    match sort.field {
        SortField::CreatedDate => past!(tickets::created_date, micros_to_db_time(after.value)),
        SortField::ModifiedDate => past!(tickets::modified_date, micros_to_db_time(after.value)),
        SortField::Priority => past!(tickets::priority, clamp_i32(after.value)),
        SortField::Status => past!(tickets::status, clamp_i32(after.value)),
        SortField::FirstResponseDue => {
            past!(tickets::first_response_due, micros_to_db_time(after.value))
        }
        SortField::ResolutionDue => past!(tickets::resolution_due, micros_to_db_time(after.value)),
        SortField::Id if sort.descending => query.filter(tickets::id.lt(after.id)),
        SortField::Id => query.filter(tickets::id.gt(after.id)),
    }
}

/// `filtered`, from `after` on, ordered by the filter's sort, ties broken by
/// id the same way. With `read_first`, the order is written so that no index
/// walk can produce it: the planner then reads the rows the other conditions
/// name and sorts them (see [`SortedAfterReading`]).
pub(super) fn sorted<'a>(
    filter: &TicketFilter,
    after: Option<Position>,
    read_first: bool,
) -> diesel::helper_types::IntoBoxed<'a, TicketsWithCategory, Backend> {
    let query = match after {
        Some(after) => past(filtered(filter), filter.sort, after),
        None => filtered(filter),
    };
    let descending = filter.sort.descending;
    macro_rules! by {
        ($col:expr) => {
            match (read_first, descending) {
                (false, true) => query.order_by(($col.desc(), tickets::id.desc())),
                (false, false) => query.order_by(($col.asc(), tickets::id.asc())),
                (true, true) => query.order_by((
                    SortedAfterReading {
                        order: $col.desc(),
                        descending,
                    },
                    tickets::id.desc(),
                )),
                (true, false) => query.order_by((
                    SortedAfterReading {
                        order: $col.asc(),
                        descending,
                    },
                    tickets::id.asc(),
                )),
            }
        };
    }
    match filter.sort.field {
        SortField::CreatedDate => by!(tickets::created_date),
        SortField::ModifiedDate => by!(tickets::modified_date),
        SortField::Priority => by!(tickets::priority),
        SortField::Status => by!(tickets::status),
        SortField::FirstResponseDue => by!(tickets::first_response_due),
        SortField::ResolutionDue => by!(tickets::resolution_due),
        SortField::Id => match (read_first, descending) {
            (false, true) => query.order_by(tickets::id.desc()),
            (false, false) => query.order_by(tickets::id.asc()),
            (true, true) => query.order_by(SortedAfterReading {
                order: tickets::id.desc(),
                descending,
            }),
            (true, false) => query.order_by(SortedAfterReading {
                order: tickets::id.asc(),
                descending,
            }),
        },
    }
}
