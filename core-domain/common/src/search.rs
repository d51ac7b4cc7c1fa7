//! The n-gram token index behind keyword search (posts, market products). MariaDB has no n-gram FULLTEXT parser and
//! SQLite's FTS5 exists only there, so the adapter keeps its own index: every distinct
//! lower-cased character bigram of each word of a post's title and content. A keyword's bigrams
//! must all be present (an indexed lookup narrows the candidates); the candidates are then
//! checked with a substring match. Korean words match inside longer words (`공부법` in
//! `필기공부법정리`), the same on every backend.

use std::collections::BTreeSet;

/// Shortest keyword searched for, in characters (a single character has no bigram).
pub const MIN_KEYWORD_CHARS: usize = 2;
/// Longest keyword, in characters.
pub const MAX_KEYWORD_CHARS: usize = 50;

/// The distinct bigrams of every whitespace-separated word of `text`, lower-cased.
pub fn bigrams(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for word in text.split_whitespace() {
        let chars: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
        for pair in chars.windows(2) {
            out.insert(pair.iter().collect());
        }
    }
    out
}

/// The tokens a post is indexed under (title and content together).
pub fn post_tokens(title: &str, content: &str) -> BTreeSet<String> {
    let mut tokens = bigrams(title);
    tokens.extend(bigrams(content));
    tokens
}

/// A keyword ready to search: trimmed, inner whitespace collapsed, with its tokens. `None`
/// when it is too short or too long to search (the caller refuses it as invalid).
pub fn prepare(keyword: &str) -> Option<(String, BTreeSet<String>)> {
    let normalized = keyword.split_whitespace().collect::<Vec<_>>().join(" ");
    let tokens = bigrams(&normalized);
    let length = normalized.chars().count();
    ((MIN_KEYWORD_CHARS..=MAX_KEYWORD_CHARS).contains(&length) && !tokens.is_empty()).then_some((normalized, tokens))
}

/// A search box's keyword as sent: `Ok(None)` when absent or blank (no search), `Ok(Some)`
/// ready to search, `Err(())` when it is longer than [`MAX_KEYWORD_CHARS`] as sent (blank or
/// not), or has no word of two characters. The OpenAPI `keyword` parameters say the same:
/// `maxLength` 50 and a pattern "blank, or two non-space characters in a row" (whitespace as
/// `char::is_whitespace`).
#[allow(clippy::result_unit_err)]
pub fn read_keyword(raw: Option<&str>) -> Result<Option<(String, BTreeSet<String>)>, ()> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.chars().count() > MAX_KEYWORD_CHARS {
        return Err(());
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    prepare(trimmed).map(Some).ok_or(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_words_are_found_inside_longer_words() {
        let index = post_tokens("필기공부법정리", "SQLD 합격 후기");
        let (_, wanted) = prepare("공부법").unwrap();
        assert!(wanted.iter().all(|t| index.contains(t)));
        let (_, wanted) = prepare("sqld").unwrap();
        assert!(wanted.iter().all(|t| index.contains(t)), "ASCII is matched case-insensitively");
        let (_, wanted) = prepare("공부방").unwrap();
        assert!(!wanted.iter().all(|t| index.contains(t)));
    }

    #[test]
    fn tokens_never_span_words_and_short_keywords_are_refused() {
        let index = bigrams("정보 처리");
        assert!(!index.contains("보처"));
        assert_eq!(index.len(), 2);
        assert_eq!(prepare("  공  "), None);
        assert_eq!(prepare("정보   처리").map(|(k, _)| k), Some("정보 처리".into()));
        assert_eq!(prepare(&"가".repeat(51)), None);
    }

    #[test]
    fn a_keyword_as_sent_is_blank_searchable_or_refused() {
        assert_eq!(read_keyword(None), Ok(None));
        assert_eq!(read_keyword(Some(" \u{3000}\t")), Ok(None), "blank is no search");
        assert_eq!(read_keyword(Some(&" ".repeat(51))), Err(()), "longer than 50 as sent, even blank");
        assert_eq!(read_keyword(Some("a b")), Err(()), "no word of two");
        assert_eq!(read_keyword(Some(" 정보 처리 ")).map(|k| k.map(|(k, _)| k)), Ok(Some("정보 처리".into())));
        assert_eq!(read_keyword(Some(&"가".repeat(50))).map(|k| k.is_some()), Ok(true));
    }
}
