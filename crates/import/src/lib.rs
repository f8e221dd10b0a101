//! Target-list import, the pure part: an import profile says how a ward
//! system's export maps onto catalogue items; the reader streams records
//! from CSV or fixed-width bytes in CP932 or UTF-8; the row parser turns
//! each record into canonical values or into line-numbered rejections with
//! Japanese reasons. Storage and audit are the service's.

mod extract;
mod profile;
mod reader;
mod row;
mod scan;
mod segment;

pub use extract::{presets, Checkup, Condition, Pattern, Rule};
pub use profile::{
    Format, Profile, ProfileError, Source, SCREENING_RESULTS_PROFILE, SHIPPED_PROFILES,
};
pub use reader::{RawRecord, RecordReader};
pub use row::{GaijiFlag, ParsedRow, Rejection, RowParser};
pub use scan::{LikelyDuplicate, ScanReport, Scanner};
pub use segment::{
    segmentation_presets, Segment, Segmentation, SegmentationError, FALLBACK_SEGMENT,
};
