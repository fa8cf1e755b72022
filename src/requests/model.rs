//! The words a request is described with. Each enum is stored as its
//! `as_str` text and shown through the i18n key `key()`.

macro_rules! text_enum {
    ($name:ident, $prefix:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s.trim() { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The i18n key of its plain-language name.
            pub fn key(self) -> String {
                format!("{}-{}", $prefix, self.as_str().replace('_', "-"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

// The five kinds of Beijing's 12345 practice.
text_enum!(Kind, "kind", {
    Consultation => "consultation",
    Help => "help",
    Complaint => "complaint",
    Report => "report",
    Suggestion => "suggestion",
});

text_enum!(Urgency, "urgency", {
    Danger => "danger",
    Utilities => "utilities",
    General => "general",
    Complex => "complex",
});

text_enum!(Channel, "channel", {
    Web => "web",
    Reception => "reception",
    Phone => "phone",
    Screen => "screen",
    Api => "api",
});

text_enum!(Visibility, "visibility", {
    Public => "public",
    Private => "private",
    Anonymous => "anonymous",
});

text_enum!(Status, "status", {
    Submitted => "submitted",
    Responded => "responded",
    InProgress => "in_progress",
    Waiting => "waiting",
    Resolved => "resolved",
    Closed => "closed",
    Rejected => "rejected",
    Duplicate => "duplicate",
    Referred => "referred",
});

text_enum!(ContactPreference, "contact", {
    Site => "site",
    Phone => "phone",
    Desk => "desk",
    Text => "text",
});

impl ContactPreference {
    /// The choices where the community sends no text messages.
    pub const WITHOUT_TEXTS: &'static [ContactPreference] = &[
        ContactPreference::Site,
        ContactPreference::Phone,
        ContactPreference::Desk,
    ];

    /// The choices offered: texts only where a gateway is configured.
    pub fn offered(texts: bool) -> &'static [ContactPreference] {
        if texts {
            ContactPreference::ALL
        } else {
            ContactPreference::WITHOUT_TEXTS
        }
    }
}

impl Visibility {
    /// Neighbours may read it (description, place, public timeline).
    pub fn is_listed(self) -> bool {
        !matches!(self, Visibility::Private)
    }
}

impl Status {
    /// Still needs work from the workgroup.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Submitted | Status::Responded | Status::InProgress | Status::Waiting
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_through_its_text() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Status::parse("done"), None);
        assert_eq!(Status::InProgress.key(), "status-in-progress");
        assert_eq!(Urgency::Danger.key(), "urgency-danger");
    }

    #[test]
    fn private_requests_are_never_listed() {
        assert!(Visibility::Public.is_listed());
        assert!(Visibility::Anonymous.is_listed());
        assert!(!Visibility::Private.is_listed());
    }
}
