//! The portal's pages a signed-in user may open, by role: the header's navigation shows them
//! with short labels on every page, the home page with longer ones.

use nguon_domain::Role;

use crate::ui::i18n::Tr;
use crate::ui::session::SignedIn;

/// A page of the navigation: its path and the message-id stem of its label (`menu-{key}` in the
/// header, `nav-{key}` on the home page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Its path.
    pub href: &'static str,
    /// The stem of its label's message ids.
    pub key: &'static str,
}

/// The pages `who` may open, in the header's order (home first, password last).
pub fn pages(who: &SignedIn) -> Vec<Page> {
    let access = &who.user.access;
    let province = access.sees_all_organisations();
    let organisation_user = matches!(access.role(), Role::OrgAdmin | Role::OrgStaff);
    let page = |href, key| Page { href, key };
    let mut pages = vec![page("/", "home"), page("/organisations", "organisations")];
    if province || organisation_user {
        pages.push(page("/facilities", "facilities"));
        pages.push(page("/products", "products"));
    }
    if province {
        pages.push(page("/admin/product-groups", "product-groups"));
    }
    if province || organisation_user {
        pages.push(page("/import", "import"));
    }
    if organisation_user {
        pages.push(page("/diary", "diary"));
    }
    pages.push(page("/trace", "trace"));
    if province || organisation_user {
        pages.push(page("/stamps", "stamps"));
        pages.push(page("/links", "links"));
    }
    if organisation_user {
        pages.push(page("/partners", "sharing"));
    }
    if province {
        pages.push(page("/admin/partners", "partners"));
    }
    pages.push(page("/quality", "quality"));
    // Organisation users see their own deliveries there, to learn why one was refused.
    if province || organisation_user {
        pages.push(page("/sync", "sync"));
    }
    if access.managed_users().is_some() {
        pages.push(page("/admin/users", "users"));
    }
    if access.can_read_audit_log() {
        pages.push(page("/admin/audit", "audit"));
    }
    if access.can_read_plan_dashboard() {
        pages.push(page("/admin/dashboard", "dashboard"));
        pages.push(page("/admin/training", "training"));
    }
    pages.push(page("/guidance", "guidance"));
    pages.push(page("/account/password", "password"));
    pages
}

/// A link of the header's navigation.
pub struct NavLink {
    /// Its path.
    pub href: &'static str,
    /// Its short label.
    pub label: String,
    /// Whether the page shown is this one or below it.
    pub current: bool,
}

/// The header's links for `who` on the page at `here`.
pub fn header_links(tr: Tr, who: &SignedIn, here: &str) -> Vec<NavLink> {
    pages(who)
        .into_iter()
        .filter(|page| page.key != "password")
        .map(|page| NavLink {
            href: page.href,
            label: tr.t(&format!("menu-{}", page.key)),
            current: match page.href {
                "/" => here == "/",
                href => here == href || here.starts_with(&format!("{href}/")),
            },
        })
        .collect()
}

/// The home page's links for `who`: every page but home itself, with long labels.
pub fn home_links(tr: Tr, who: &SignedIn) -> Vec<(&'static str, String)> {
    pages(who)
        .into_iter()
        .filter(|page| page.href != "/")
        .map(|page| (page.href, tr.t(&format!("nav-{}", page.key))))
        .collect()
}
