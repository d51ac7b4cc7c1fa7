//! Certificates, subjects and exam schedules: models, ports and services.
