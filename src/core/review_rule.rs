//! The no-self-merge rule (PRODUCT.md §2.4): a merged pull/merge request needs an approval
//! from someone other than its author, given on its final head commit. Pushes after an
//! approval void it; so does the reviewer's own later "changes requested" or a dismissal.

use serde::{Deserialize, Serialize};

/// A reviewer's latest standing on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFact {
    pub reviewer: String,
    /// `approved`, `changes_requested` or `dismissed` (a withdrawn approval).
    pub state: String,
    /// The head commit the review was given on.
    pub commit_sha: Option<String>,
    /// Whether the reviewer is the request's author, as the forge's payload says (GitHub's
    /// review and pull request users, GitLab's user and `author_id`); `None` when it did not.
    pub by_author: Option<bool>,
}

/// Why a merge was not independently reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Finding {
    /// Nobody approved it.
    NoApproval,
    /// Only its author approved it.
    SelfApproved,
    /// Someone else approved an earlier commit; commits were pushed after.
    ApprovalOutdated { approved: String, merged: String },
    /// It was approved, but neither the forge nor Firewatch knows whether by its author.
    AuthorUnknown,
}

impl Finding {
    /// The stable code the API and CSV give.
    pub fn code(&self) -> &'static str {
        match self {
            Finding::NoApproval => "no_approval",
            Finding::SelfApproved => "self_approved",
            Finding::ApprovalOutdated { .. } => "approval_outdated",
            Finding::AuthorUnknown => "author_unknown",
        }
    }
}

/// Whether a review is someone else's: the forge's word, else the names compared.
fn independent(review: &ReviewFact, author: Option<&str>) -> bool {
    match (review.by_author, author) {
        (Some(by_author), _) => !by_author,
        (None, Some(author)) => !review.reviewer.eq_ignore_ascii_case(author),
        // Nobody can say whose it is: not counted as independent.
        (None, None) => false,
    }
}

/// Judges a merge whose final head was `head`, given each reviewer's latest review.
pub fn judge(author: Option<&str>, head: Option<&str>, reviews: &[ReviewFact]) -> Option<Finding> {
    let approvals: Vec<&ReviewFact> = reviews
        .iter()
        .filter(|review| review.state == "approved")
        .collect();
    let on_head = |review: &&&ReviewFact| match (head, review.commit_sha.as_deref()) {
        (Some(head), Some(sha)) => head == sha,
        // A forge that names no commit cannot be held to one.
        _ => true,
    };
    let others: Vec<&&ReviewFact> = approvals
        .iter()
        .filter(|review| independent(review, author))
        .collect();
    if others.iter().any(on_head) {
        return None;
    }
    if let Some(earlier) = others.first() {
        return Some(Finding::ApprovalOutdated {
            approved: earlier.commit_sha.clone().unwrap_or_default(),
            merged: head.unwrap_or_default().to_owned(),
        });
    }
    if approvals.is_empty() {
        Some(Finding::NoApproval)
    } else if author.is_none() && approvals.iter().all(|review| review.by_author.is_none()) {
        Some(Finding::AuthorUnknown)
    } else {
        Some(Finding::SelfApproved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(reviewer: &str, state: &str, sha: &str, by_author: Option<bool>) -> ReviewFact {
        ReviewFact {
            reviewer: reviewer.into(),
            state: state.into(),
            commit_sha: Some(sha.into()),
            by_author,
        }
    }

    #[test]
    fn only_someone_elses_approval_of_the_final_head_counts() {
        let author = Some("mina");
        let head = Some("bbb");
        assert_eq!(judge(author, head, &[]), Some(Finding::NoApproval));
        assert_eq!(
            judge(
                author,
                head,
                &[review("mina", "approved", "bbb", Some(true))]
            ),
            Some(Finding::SelfApproved)
        );
        assert_eq!(
            judge(
                author,
                head,
                &[review("joon", "approved", "bbb", Some(false))]
            ),
            None
        );
        assert_eq!(
            judge(
                author,
                head,
                &[review("joon", "approved", "aaa", Some(false))]
            ),
            Some(Finding::ApprovalOutdated {
                approved: "aaa".into(),
                merged: "bbb".into()
            }),
            "a push after the approval voids it"
        );
        assert_eq!(
            judge(
                author,
                head,
                &[review("joon", "dismissed", "bbb", Some(false))]
            ),
            Some(Finding::NoApproval),
            "a dismissed approval is none"
        );
        // Names decide when the payload did not say whose review it was.
        assert_eq!(
            judge(author, head, &[review("MINA", "approved", "bbb", None)]),
            Some(Finding::SelfApproved)
        );
        assert_eq!(
            judge(None, head, &[review("joon", "approved", "bbb", None)]),
            Some(Finding::AuthorUnknown),
            "with no author known, an approval cannot be shown independent"
        );
        assert_eq!(
            judge(
                author,
                head,
                &[
                    review("mina", "approved", "bbb", Some(true)),
                    review("joon", "changes_requested", "bbb", Some(false)),
                    review("sora", "approved", "bbb", Some(false)),
                ]
            ),
            None
        );
    }
}
