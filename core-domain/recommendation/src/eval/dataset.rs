//! An evaluation dataset and its readers: interactions `user_id,item_id[,weight][,timestamp]`
//! and item keywords `item_id,keyword,weight`, ids of any spelling numbered densely.

use crate::{
    index::{IndexError, InteractionIndex},
    interner::{Interner, Vocabulary},
    model::{ItemIx, UserIx},
    synthetic::SyntheticData,
    vector::SparseVector,
};
use std::io::BufRead;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// A row is malformed; `line` counts from 1.
    #[error("line {line}: {reason}")]
    BadRow {
        /// The 1-based line number.
        line: usize,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// The file could not be read.
    #[error("reading failed: {0}")]
    Io(#[from] std::io::Error),
}

/// How the interaction file is read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CsvOptions {
    /// Count each row with its weight column; by default every row weighs 1 (a rating of any
    /// value is an interaction), the usual protocol for top-N evaluation on rating data.
    pub use_weights: bool,
}

/// An item's id and its (keyword, weight) pairs, as [`Dataset::from_records`] takes them.
pub type ItemKeywords = (String, Vec<(String, f32)>);

/// One distinct (user, item) interaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// The user's dense number.
    pub user: UserIx,
    /// The item's dense number.
    pub item: ItemIx,
    /// The interaction weight (1 unless weights are used).
    pub weight: f32,
    /// When it happened, if the file says.
    pub timestamp: Option<i64>,
}

/// Users, items, their interactions and optionally the items' keyword vectors.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// User ids as written in the file, numbered.
    pub users: Interner<String>,
    /// Item ids as written in the files, numbered; the catalogue is all of them.
    pub items: Interner<String>,
    /// Keywords of the item file.
    pub vocabulary: Vocabulary,
    /// Distinct interactions sorted by user then item (a repeated pair keeps its largest weight
    /// and latest timestamp).
    pub ratings: Vec<Rating>,
    /// One keyword vector per item, when an item file was read.
    pub item_vectors: Option<Vec<SparseVector>>,
}

impl Dataset {
    /// Reads an interaction file. Fields are separated by commas, tabs (MovieLens `u.data`) or
    /// `::` (MovieLens-1M); blank lines and `#` comments are skipped; the first line is a header
    /// when its first field is `user_id`/`userId`/`user`, or its weight or timestamp is not a number.
    pub fn read_interactions(reader: impl BufRead, options: CsvOptions) -> Result<Self, CsvError> {
        let mut dataset = Self::default();
        for (line, fields) in rows(reader)? {
            if line.first && is_interaction_header(&fields) {
                continue;
            }
            let bad = |reason: String| CsvError::BadRow { line: line.number, reason };
            if !(2..=4).contains(&fields.len()) || fields[..2].iter().any(|f| f.is_empty()) {
                return Err(bad(format!(
                    "expected user_id,item_id[,weight][,timestamp], found {} field(s): {:?}",
                    fields.len(),
                    fields.join(",")
                )));
            }
            let weight = match fields.get(2) {
                Some(raw) => match raw.parse::<f32>() {
                    Ok(w) if w.is_finite() && w > 0.0 => w,
                    _ => return Err(bad(format!("weight {raw:?} is not a positive number"))),
                },
                None => 1.0,
            };
            let timestamp = match fields.get(3) {
                Some(raw) => Some(raw.parse::<i64>().map_err(|_| bad(format!("timestamp {raw:?} is not an integer")))?),
                None => None,
            };
            let user = dataset.users.intern(&fields[0].to_owned());
            let item = dataset.items.intern(&fields[1].to_owned());
            let weight = if options.use_weights { weight } else { 1.0 };
            dataset.ratings.push(Rating { user, item, weight, timestamp });
        }
        dataset.normalise();
        Ok(dataset)
    }

    /// Reads an item file `item_id,keyword,weight` (weight in `0..=1`; a first line whose weight
    /// is not a number is a header). Items not seen in the interactions join the catalogue.
    pub fn read_item_keywords(&mut self, reader: impl BufRead) -> Result<(), CsvError> {
        let mut pairs: Vec<Vec<(u32, f32)>> = vec![Vec::new(); self.items.len()];
        for (line, fields) in rows(reader)? {
            if line.first && fields.len() == 3 && fields[2].parse::<f32>().is_err() {
                continue;
            }
            let bad = |reason: String| CsvError::BadRow { line: line.number, reason };
            if fields.len() != 3 || fields[..2].iter().any(|f| f.is_empty()) {
                return Err(bad(format!("expected item_id,keyword,weight, found {:?}", fields.join(","))));
            }
            let weight = match fields[2].parse::<f32>() {
                Ok(w) if (0.0..=1.0).contains(&w) => w,
                _ => return Err(bad(format!("keyword weight {:?} is not a number within 0..=1", fields[2]))),
            };
            let item = self.items.intern(&fields[0].to_owned()) as usize;
            let term = self.vocabulary.intern(&fields[1].to_owned());
            if pairs.len() <= item {
                pairs.resize_with(item + 1, Vec::new);
            }
            pairs[item].push((term, weight));
        }
        pairs.resize_with(self.items.len(), Vec::new);
        // Weights were checked row by row above, so no vector can be refused here.
        let vectors = pairs.into_iter().map(|p| SparseVector::from_keyword_weights(p).unwrap_or_default()).collect();
        self.item_vectors = Some(vectors);
        Ok(())
    }

    /// The synthetic data as a dataset (ids `u0…`, `i0…`, keywords `k0…`).
    pub fn from_synthetic(data: &SyntheticData) -> Self {
        let mut dataset = Self::default();
        for user in 0..data.config.users {
            dataset.users.intern(&format!("u{user}"));
        }
        for item in 0..data.config.items {
            dataset.items.intern(&format!("i{item}"));
        }
        let terms = data.item_vectors.iter().flat_map(|v| v.iter().map(|(t, _)| t)).max().map_or(0, |t| t + 1);
        for term in 0..terms {
            dataset.vocabulary.intern(&format!("k{term}"));
        }
        dataset.ratings = data
            .interactions
            .iter()
            .map(|i| Rating { user: i.user, item: i.item, weight: i.weight, timestamp: Some(i.timestamp) })
            .collect();
        dataset.item_vectors = Some(data.item_vectors.clone());
        dataset.normalise();
        dataset
    }

    /// A dataset of records taken from elsewhere than a file (Cercat's own database): each
    /// `(user, item, weight, timestamp)` once or more (repeats merge as in a file), and the
    /// items' keyword weights when known. Every item of `item_keywords` is in the catalogue,
    /// touched or not.
    pub fn from_records(
        records: impl IntoIterator<Item = (String, String, f32, Option<i64>)>,
        item_keywords: Option<Vec<ItemKeywords>>,
    ) -> Result<Self, crate::KeywordWeightError> {
        let mut dataset = Self::default();
        let mut keyworded = Vec::new();
        for (item, keywords) in item_keywords.unwrap_or_default() {
            let number = dataset.items.intern(&item) as usize;
            let pairs: Vec<(u32, f32)> =
                keywords.iter().map(|(keyword, weight)| (dataset.vocabulary.intern(keyword), *weight)).collect();
            keyworded.push((number, SparseVector::from_keyword_weights(pairs)?));
        }
        for (user, item, weight, timestamp) in records {
            let user = dataset.users.intern(&user);
            let item = dataset.items.intern(&item);
            dataset.ratings.push(Rating { user, item, weight, timestamp });
        }
        if !keyworded.is_empty() {
            let mut vectors = vec![SparseVector::new(); dataset.items.len()];
            for (number, vector) in keyworded {
                vectors[number] = vector;
            }
            dataset.item_vectors = Some(vectors);
        }
        dataset.normalise();
        Ok(dataset)
    }

    /// The interaction matrix of `ratings` over this dataset's users and catalogue.
    pub fn index(&self, ratings: &[Rating]) -> Result<InteractionIndex, IndexError> {
        InteractionIndex::build(self.users.len(), self.items.len(), ratings.iter().map(|r| (r.user, r.item, r.weight)))
    }

    fn normalise(&mut self) {
        self.ratings.sort_unstable_by(|a, b| {
            (a.user, a.item)
                .cmp(&(b.user, b.item))
                .then(b.weight.total_cmp(&a.weight))
                .then(b.timestamp.cmp(&a.timestamp))
        });
        self.ratings.dedup_by(|later, kept| {
            let same = later.user == kept.user && later.item == kept.item;
            if same {
                kept.timestamp = kept.timestamp.max(later.timestamp);
            }
            same
        });
    }
}

/// Where a row came from.
struct Line {
    number: usize,
    first: bool,
}

/// The non-blank, non-comment rows with their fields trimmed.
fn rows(reader: impl BufRead) -> Result<Vec<(Line, Vec<String>)>, CsvError> {
    let mut rows = Vec::new();
    for (at, text) in reader.lines().enumerate() {
        let text = text?;
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let fields: Vec<String> = if text.contains('\t') {
            text.split('\t').map(|f| f.trim().to_owned()).collect()
        } else if text.contains("::") {
            text.split("::").map(|f| f.trim().to_owned()).collect()
        } else {
            text.split(',').map(|f| f.trim().to_owned()).collect()
        };
        let first = rows.is_empty();
        rows.push((Line { number: at + 1, first }, fields));
    }
    Ok(rows)
}

fn is_interaction_header(fields: &[String]) -> bool {
    let named =
        fields.first().is_some_and(|f| matches!(f.to_ascii_lowercase().as_str(), "user_id" | "userid" | "user"));
    named
        || fields.get(2).is_some_and(|w| w.parse::<f64>().is_err())
        || fields.get(3).is_some_and(|t| t.parse::<i64>().is_err())
}
