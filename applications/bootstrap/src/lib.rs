//! Composition root shared by api, batch and admin: picks adapters by profile.
