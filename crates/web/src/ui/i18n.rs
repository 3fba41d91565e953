//! The portal's languages: Vietnamese by default, English on request. The choice comes from the
//! `lang` cookie (set by the switch in the header), then from `Accept-Language`, then Vietnamese.
//! Messages are Fluent files under `locales/`, built into the binary.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::http::header;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "vi",
        // Fluent wraps arguments in bidi isolation marks by default; Vietnamese and English are
        // both left to right, and the marks would show up in copied text and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The name of the cookie holding the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// A language of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Tiếng Việt, the default.
    Vi,
    /// English.
    En,
}

static VI: LazyLock<LanguageIdentifier> = LazyLock::new(|| "vi".parse().expect("a language tag"));
static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().expect("a language tag"));

impl Lang {
    /// The language tag, as in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// Reads a language tag such as `vi`, `vi-VN` or `en-GB`; other languages are `None`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language of a request: the cookie, then the most preferred language of
    /// `Accept-Language` that the portal has, then Vietnamese.
    pub fn of_request(headers: &HeaderMap) -> Self {
        let jar = axum_extra::extract::cookie::CookieJar::from_headers(headers);
        if let Some(lang) = jar.get(LANG_COOKIE).and_then(|c| Self::from_tag(c.value())) {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(Self::from_accept_language)
            .unwrap_or(Self::Vi)
    }

    /// The preferred language of an `Accept-Language` value among those the portal has.
    fn from_accept_language(value: &str) -> Option<Self> {
        let mut offers: Vec<(f32, usize, Self)> = value
            .split(',')
            .enumerate()
            .filter_map(|(position, item)| {
                let mut parts = item.split(';');
                let lang = Self::from_tag(parts.next()?)?;
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (quality > 0.0).then_some((quality, position, lang))
            })
            .collect();
        // Highest quality first; among equals, the order the browser gave.
        offers.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        offers.first().map(|offer| offer.2)
    }

    fn identifier(self) -> &'static LanguageIdentifier {
        match self {
            Self::Vi => &VI,
            Self::En => &EN,
        }
    }
}

/// Translates message ids in one language; templates call [`Tr::t`].
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        LOCALES.lookup(self.lang.identifier(), id)
    }

    /// The message `id`, or `None` when there is none: for ids built from data, such as a
    /// CBV term, that only some values have a message for.
    pub fn try_t(&self, id: &str) -> Option<String> {
        LOCALES.try_lookup(self.lang.identifier(), id)
    }

    /// The message `id` with one argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.tn(id, &[(name, value)])
    }

    /// The message `id` with one numeric argument, so the message can choose a plural form.
    pub fn count(&self, id: &str, name: &str, value: i64) -> String {
        let args = HashMap::from([(
            std::borrow::Cow::Owned(name.to_owned()),
            FluentValue::from(value),
        )]);
        LOCALES.lookup_with_args(self.lang.identifier(), id, &args)
    }

    /// The message `id` with named arguments.
    pub fn tn(&self, id: &str, args: &[(&str, &str)]) -> String {
        let args: HashMap<_, _> = args
            .iter()
            .map(|(name, value)| {
                (
                    std::borrow::Cow::Owned((*name).to_owned()),
                    FluentValue::from((*value).to_owned()),
                )
            })
            .collect();
        LOCALES.lookup_with_args(self.lang.identifier(), id, &args)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_cookie_wins_then_accept_language_then_vietnamese() {
        assert_eq!(Lang::of_request(&HeaderMap::new()), Lang::Vi);
        let english = headers(&[(header::ACCEPT_LANGUAGE, "fr-FR, en-GB;q=0.8, vi;q=0.5")]);
        assert_eq!(Lang::of_request(&english), Lang::En);
        let both = headers(&[
            (header::ACCEPT_LANGUAGE, "en-US"),
            (header::COOKIE, "lang=vi"),
        ]);
        assert_eq!(Lang::of_request(&both), Lang::Vi);
        let refused = headers(&[(header::ACCEPT_LANGUAGE, "en;q=0, de")]);
        assert_eq!(Lang::of_request(&refused), Lang::Vi);
    }

    #[test]
    fn messages_are_translated_with_arguments() {
        let vi = Tr { lang: Lang::Vi };
        let en = Tr { lang: Lang::En };
        assert_eq!(vi.t("login-title"), "Đăng nhập");
        assert_eq!(en.t("login-title"), "Sign in");
        assert_eq!(en.t1("home-greeting", "name", "Hoa"), "Hello, Hoa");
    }

    /// Every message exists in both languages, so no page shows a bare id.
    #[test]
    fn both_languages_have_the_same_messages() {
        let ids = |text: &str| -> BTreeSet<String> {
            text.lines()
                .filter_map(|line| line.split_once(" ="))
                .filter(|(id, _)| !id.starts_with([' ', '#']) && !id.is_empty())
                .map(|(id, _)| id.to_owned())
                .collect()
        };
        let vi = ids(include_str!("../../locales/vi/main.ftl"));
        let en = ids(include_str!("../../locales/en/main.ftl"));
        assert!(vi.len() > 20, "{vi:?}");
        assert_eq!(vi, en);
    }
}
