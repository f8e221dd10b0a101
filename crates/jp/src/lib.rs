//! Japanese text, dates and person-data parsing.
