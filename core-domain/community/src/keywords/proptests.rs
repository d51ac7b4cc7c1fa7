//! Properties of 초성 (initial-consonant) matching over random Hangul: what lets `ㅈㅂㅊㄹ`
//! autocomplete `정보처리기사` for any keyword, not just the examples.

use proptest::prelude::*;

use super::*;

/// A Hangul syllable from its parts: initial (0–18), medial (0–20), final (0–27).
fn syllable(initial: u32, medial: u32, last: u32) -> char {
    char::from_u32(0xAC00 + (initial * 21 + medial) * 28 + last).unwrap_or('?')
}

/// A word of syllables with the initial consonant of each.
fn hangul_word() -> impl Strategy<Value = (String, Vec<char>)> {
    prop::collection::vec((0..19u32, 0..21u32, 0..28u32), 1..12).prop_map(|parts| {
        let word = parts.iter().map(|&(i, m, f)| syllable(i, m, f)).collect();
        let initials = parts.iter().map(|&(i, _, _)| CHOSUNG[i as usize]).collect();
        (word, initials)
    })
}

/// A keyword mixing Hangul words, ASCII words and spaces, as people type them.
fn keyword() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![hangul_word().prop_map(|(w, _)| w), "[A-Za-z0-9]{1,6}"], 1..4)
        .prop_map(|words| words.join(" "))
}

proptest! {
    #[test]
    fn each_syllable_becomes_its_initial_consonant((word, initials) in hangul_word()) {
        prop_assert_eq!(chosung(&word), initials.iter().collect::<String>());
        prop_assert!(is_chosung_query(&chosung(&word)));
        prop_assert!(!is_chosung_query(&word), "syllables are not a consonant query");
    }

    #[test]
    fn typing_a_prefix_of_the_initials_suggests_the_keyword(keyword in keyword(), cut in 0usize..40) {
        let form = chosung(&keyword);
        let prefix: String = form.chars().take(cut.max(1)).collect();
        prop_assert!(form.starts_with(&prefix));
        // Typing the keyword's own first characters, spaced or not, yields a prefix of its form.
        let typed: String = keyword.chars().take(cut).collect();
        prop_assert!(form.starts_with(&chosung(&typed)));
    }

    #[test]
    fn spacing_and_ascii_case_never_change_the_forms(keyword in keyword()) {
        let squeezed: String = keyword.split_whitespace().collect();
        let shouted = keyword.to_uppercase();
        prop_assert_eq!(chosung(&squeezed), chosung(&keyword));
        prop_assert_eq!(chosung(&shouted), chosung(&keyword));
        prop_assert_eq!(folded(&squeezed), folded(&keyword));
        prop_assert_eq!(folded(&shouted), folded(&keyword));
        prop_assert!(!chosung(&keyword).chars().any(char::is_whitespace));
    }
}
