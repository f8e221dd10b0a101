//! Effect analysis of a campaign (issue 7): did the call raise screening
//! attendance, for whom, and what to do next year. Inputs are read in one
//! audited operation under the analysis purpose (`gather`); the statistics
//! are `itaku_analysis::effect`; everything published passes small-cell
//! suppression (`report`). Screening results arrive through the import
//! machinery (`results_import`).

pub mod charts;
mod demo;
mod export;
mod format;
mod gather;
mod pdf;
pub mod present;
mod report;
mod results_import;

pub use demo::DEMO_EFFECTS;
pub use export::suppressed_tables_csv;
pub use pdf::charts;
pub use report::{AnalysisOptions, CampaignAnalysis, CumulativePoint, PublishedTable};
pub use results_import::{ResultsImportReport, ResultsProvided};

use crate::error::Result;
use crate::{Actor, Service};

impl Service {
    /// The published analysis of campaign `id`: requires a purpose that may
    /// see 健診結果, 生年月日 and 性別 (効果分析); any other is refused by the
    /// policy before anything is read.
    pub async fn campaign_analysis(
        &self,
        actor: &Actor,
        id: i64,
        options: AnalysisOptions,
    ) -> Result<CampaignAnalysis> {
        let gathered = self.gather_analysis(actor, id).await?;
        report::build(id, &gathered, options)
    }
}
