//! The one paging engine behind every paged list (sharing rules, user groups, profiles,
//! users, a group's members): the argument checks, one page ([`send`]) and the stream over
//! pages ([`stream`]).
//!
//! A list says only what is its own, by implementing [`PagedList`]: its operation (whose
//! largest page size is the spec's, from the operations table), how to fetch page N and how
//! to split a page into items and Zoho's paging info. Everything else (what is refused
//! before sending, when a stream stops, the errors) is decided here, once, so the lists
//! cannot drift apart.
//!
//! Depends on `error` and `operations` only; the handle modules depend on it (see
//! ARCHITECTURE.md, "Layers").

use std::collections::HashSet;
use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt};

use crate::error::Error;
use crate::operations::Operation;

/// The largest page number: Zoho's `page` parameter is an int32.
const MAX_PAGE: u32 = i32::MAX as u32;

/// The page, page size and page budget of one paged request, as the user set them; checked
/// against the list's cap by [`PageArgs::check`] before anything is sent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PageArgs {
    /// The 1-based page to fetch, or to start streaming from.
    pub(crate) page: u32,
    /// Items per page; `None` leaves Zoho's default.
    pub(crate) per_page: Option<u32>,
    /// The most pages a stream fetches.
    pub(crate) max_pages: u32,
}

impl PageArgs {
    /// Page 1, Zoho's page size, at most `max_pages` pages in a stream.
    pub(crate) const fn new(max_pages: u32) -> Self {
        PageArgs {
            page: 1,
            per_page: None,
            max_pages,
        }
    }

    /// The checks every paged list makes before sending: `page` in 1..=2147483647,
    /// `per_page` in 1..=`max_per_page` (the operation's cap), `max_pages` at least 1.
    pub(crate) fn check(&self, max_per_page: u32) -> Result<(), Error> {
        check_page(self.page)?;
        match self.per_page {
            Some(0) => return Err(Error::invalid("per_page", "must be at least 1")),
            Some(n) if n > max_per_page => {
                return Err(Error::invalid(
                    "per_page",
                    format!("{n} given; Zoho allows at most {max_per_page}"),
                ))
            }
            _ => {}
        }
        if self.max_pages == 0 {
            return Err(Error::invalid("max_pages", "must be at least 1"));
        }
        Ok(())
    }
}

fn check_page(page: u32) -> Result<(), Error> {
    if page == 0 {
        return Err(Error::invalid("page", "pages start at 1"));
    }
    if page > MAX_PAGE {
        return Err(Error::invalid("page", format!("pages go up to {MAX_PAGE}")));
    }
    Ok(())
}

/// What a page says about its place in the list: Zoho's `info.page` and
/// `info.more_records`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Position {
    /// The page Zoho answered.
    pub(crate) page: i64,
    /// Whether Zoho says another page follows.
    pub(crate) more_records: bool,
}

/// One paged list operation: what the engine needs to know of it.
pub(crate) trait PagedList: Clone + Send + Sync + 'static {
    /// One page as the spec types it (such as `types::SharingRules`); a 204 is an empty one.
    type Page: Send + 'static;
    /// One item of a page.
    type Item: Send + 'static;

    /// What an item is, for errors ("rule", "user" ...).
    const ITEM: &'static str;

    /// The operation (its id names it in errors; its `per_page` cap is the spec's).
    fn operation(&self) -> Operation;

    /// Checks of the list's own arguments (a module, filters, a role ...), made before
    /// anything is sent, after the paging arguments.
    fn check(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Fetches page `page` with `per_page` items (Zoho's default when `None`). Called only
    /// with checked arguments.
    fn fetch(
        &self,
        page: u32,
        per_page: Option<u32>,
    ) -> impl Future<Output = Result<Self::Page, Error>> + Send;

    /// A page's items, and its position when Zoho gave one (no position ends a stream).
    fn split(page: Self::Page) -> (Vec<Self::Item>, Option<Position>);

    /// An item's id, to notice a page that repeats the previous one.
    fn id(item: &Self::Item) -> &str;
}

/// Every check before a page of `list` is fetched.
fn check<L: PagedList>(list: &L, args: &PageArgs) -> Result<(), Error> {
    // An operation whose spec states no `maximum` has no cap here either.
    args.check(list.operation().max_per_page().unwrap_or(u32::MAX))?;
    list.check()
}

/// Fetches page `args.page` of `list`, after the checks; nothing is sent if they fail.
pub(crate) fn send<L: PagedList>(
    list: &L,
    args: PageArgs,
) -> impl Future<Output = Result<L::Page, Error>> + Send + 'static {
    let list = list.clone();
    async move {
        check(&list, &args)?;
        list.fetch(args.page, args.per_page).await
    }
}

/// Every item of `list` from page `args.page` on, fetching one page at a time and yielding
/// its items before the next page is asked for.
///
/// It fetches the next page while Zoho says `more_records`, and ends at a page that says
/// no more, at a page without paging info, and at an empty page (even one claiming more).
/// It fails with [`Error::InvalidInput`] before sending anything when the arguments are
/// refused, and with [`Error::Pagination`] when Zoho answers another page than asked, when
/// a page repeats an item of the previous page, or when Zoho still claims more after
/// `args.max_pages` pages (whose items were all yielded).
pub(crate) fn stream<L: PagedList>(
    list: L,
    args: PageArgs,
) -> impl Stream<Item = Result<L::Item, Error>> + Send + Unpin + 'static {
    struct Next<L> {
        list: L,
        args: PageArgs,
        fetched: u32,
        previous: HashSet<String>,
    }
    let start = Next {
        list,
        args,
        fetched: 0,
        previous: HashSet::new(),
    };
    futures::stream::try_unfold(Some(start), |state| async move {
        let Some(mut st) = state else {
            return Ok(None);
        };
        let page = st.args.page;
        let operation = st.list.operation();
        let stop = |reason: String| Error::Pagination {
            operation: operation.id().to_owned(),
            page,
            reason,
        };
        check(&st.list, &st.args)?;
        if st.fetched >= st.args.max_pages {
            return Err(stop(format!(
                "Zoho still claims more records after {} pages (the stream's max_pages)",
                st.fetched
            )));
        }
        let body = st.list.fetch(page, st.args.per_page).await?;
        st.fetched += 1;
        let (items, position) = L::split(body);
        if let Some(at) = position {
            if at.page != i64::from(page) {
                return Err(stop(format!(
                    "asked for page {page}, Zoho answered page {}",
                    at.page
                )));
            }
        }
        if let Some(dup) = items.iter().find(|x| st.previous.contains(L::id(x))) {
            return Err(stop(format!(
                "the page repeats {} {} of the previous page",
                L::ITEM,
                L::id(dup)
            )));
        }
        // Stop on an empty page even if Zoho claims more.
        let more = position.is_some_and(|p| p.more_records) && !items.is_empty();
        let next = match (more, page.checked_add(1)) {
            (true, Some(next_page)) => {
                st.previous = items.iter().map(|x| L::id(x).to_owned()).collect();
                st.args.page = next_page;
                Some(st)
            }
            _ => None,
        };
        Ok(Some((items, next)))
    })
    .map_ok(|items| futures::stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}
