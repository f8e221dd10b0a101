//! HTTP: Japanese pages and the JSON API over the service layer.
