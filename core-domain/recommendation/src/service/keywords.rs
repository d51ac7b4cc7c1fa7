//! Keywords of an item and of a user's preferences: labels weigh 1, title words 0.6; Korean
//! words lose a trailing particle (`데이터베이스를` → `데이터베이스`), so a title and a
//! preference meet on the same keyword.

use super::ports::ItemFacts;

/// The weight of a label (certificate name, category, subject, tag).
pub const LABEL_WEIGHT: f32 = 1.0;
/// The weight of a word of the title.
pub const TITLE_WEIGHT: f32 = 0.6;
/// Longest keyword kept, in characters.
pub const MAX_KEYWORD_CHARS: usize = 30;
/// Most keyword preferences a user may give.
pub const MAX_PREFERENCES: usize = 50;

/// Particles stripped from the end of a Korean word, longest first.
const PARTICLES: [&str; 16] =
    ["에서", "으로", "에게", "까지", "부터", "은", "는", "이", "가", "을", "를", "의", "에", "로", "와", "과"];

/// Words too common to say anything about an item.
const STOPWORDS: [&str; 8] = ["the", "and", "for", "및", "등", "위한", "대한", "관련"];

/// A keyword as stored: trimmed, inner whitespace collapsed, lower-cased.
pub fn normalise(keyword: &str) -> String {
    keyword.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The keywords of `text`'s words: split on anything that is not a letter or digit, lower-cased,
/// a trailing particle dropped from a Hangul word of three or more syllables, words shorter
/// than two characters and stopwords left out.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut word = word.to_lowercase();
        if word.chars().count() >= 3
            && word.chars().all(is_hangul)
            && let Some(particle) = PARTICLES.iter().find(|p| word.ends_with(*p))
        {
            word.truncate(word.len() - particle.len());
        }
        let length = word.chars().count();
        if (2..=MAX_KEYWORD_CHARS).contains(&length) && !STOPWORDS.contains(&word.as_str()) && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// An item's keyword vector: each label whole (and its words) at [`LABEL_WEIGHT`], each title
/// word at [`TITLE_WEIGHT`]; a keyword met twice keeps its larger weight.
pub fn of_item(item: &ItemFacts) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    let mut add = |keyword: String, weight: f32| match out.iter_mut().find(|(k, _)| *k == keyword) {
        Some((_, kept)) => *kept = kept.max(weight),
        None => out.push((keyword, weight)),
    };
    for label in &item.labels {
        let whole = normalise(label);
        if (1..=MAX_KEYWORD_CHARS).contains(&whole.chars().count()) {
            add(whole, LABEL_WEIGHT);
        }
        for word in words(label) {
            add(word, LABEL_WEIGHT);
        }
    }
    for word in words(&item.title) {
        add(word, TITLE_WEIGHT);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Checks and normalises onboarding preferences: at most [`MAX_PREFERENCES`] keywords of 1–30
/// characters, weights in `0..=1`; a keyword given twice (after normalising) is refused.
pub fn preferences(given: &[(String, f64)]) -> Result<Vec<(String, f32)>, String> {
    if given.len() > MAX_PREFERENCES {
        return Err(format!("at most {MAX_PREFERENCES} keywords, got {}", given.len()));
    }
    let mut out: Vec<(String, f32)> = Vec::with_capacity(given.len());
    for (keyword, weight) in given {
        let normalised = normalise(keyword);
        let length = normalised.chars().count();
        if !(1..=MAX_KEYWORD_CHARS).contains(&length) {
            return Err(format!("keyword {keyword:?} must have 1 to {MAX_KEYWORD_CHARS} characters"));
        }
        if !weight.is_finite() || !(0.0..=1.0).contains(weight) {
            return Err(format!("the weight of {keyword:?} must be between 0 and 1, got {weight}"));
        }
        if out.iter().any(|(k, _)| *k == normalised) {
            return Err(format!("keyword {normalised:?} is given twice"));
        }
        out.push((normalised, *weight as f32));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ItemKey, ItemKind};

    #[test]
    fn title_words_lose_their_particles_and_labels_weigh_more() {
        assert_eq!(words("데이터베이스를 쉽게 SQL 공부법!"), vec!["데이터베이스", "쉽게", "sql", "공부법"]);
        assert_eq!(words("네트워크와 보안 및 a"), vec!["네트워크", "보안"], "particle, stopword and a single letter");
        let item = ItemFacts {
            key: ItemKey::new(ItemKind::Post, 1),
            title: "정보처리기사 데이터베이스 정리".into(),
            certificate_id: Some(1),
            labels: vec!["정보처리기사".into(), "데이터베이스".into()],
            on_offer: true,
            closes_at: None,
        };
        let vector = of_item(&item);
        assert!(vector.contains(&("데이터베이스".into(), LABEL_WEIGHT)), "the label's weight wins: {vector:?}");
        assert!(vector.contains(&("정리".into(), TITLE_WEIGHT)));
    }

    #[test]
    fn preferences_are_normalised_and_bounded() {
        let given = vec![("  데이터베이스 ".to_owned(), 0.8), ("SQL".to_owned(), 1.0)];
        assert_eq!(preferences(&given).unwrap(), vec![("sql".into(), 1.0), ("데이터베이스".into(), 0.8)]);
        assert!(preferences(&[("보안".into(), 1.5)]).unwrap_err().contains("between 0 and 1"));
        assert!(preferences(&[("보안".into(), f64::NAN)]).is_err());
        assert!(preferences(&[(" ".into(), 0.5)]).unwrap_err().contains("1 to 30"));
        assert!(preferences(&[("Sql".into(), 0.5), ("sql".into(), 0.2)]).unwrap_err().contains("twice"));
        let many: Vec<(String, f64)> = (0..51).map(|i| (format!("k{i}"), 0.5)).collect();
        assert!(preferences(&many).unwrap_err().contains("at most 50"));
        assert!(preferences(&[]).unwrap().is_empty(), "an empty map clears them");
    }
}
