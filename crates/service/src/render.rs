//! Rendering a print run's batch for download, and tracing a page back to
//! its person (returned mail, a question about a postcard).

use crate::campaigns::Side;
use crate::error::{Result, ServiceError};
use crate::printing::{page_ref, parse_page_ref, templates_at, PrintFile, PrintKind, BATCH};
use crate::{Actor, Service};
use itaku_core::{Item, ItemSet};
use itaku_policy::Action;
use itaku_print::{Fonts, Label, LabelSheet, Postcard, Sender, Voucher, VoucherDesk};
use itaku_store::MemberRow;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct PageOwner {
    pub page_ref: String,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub run_id: i64,
    pub seq: i64,
    pub member_id: i64,
    pub shimei: String,
    pub returned_at: Option<String>,
}

fn sex_label(code: &str) -> &'static str {
    match code {
        "1" => "男",
        "2" => "女",
        _ => "",
    }
}

impl Service {
    /// The Japanese fonts, loaded once (they are large).
    pub(crate) fn fonts(&self) -> Result<Fonts> {
        let mut slot = self
            .inner
            .fonts
            .lock()
            .map_err(|_| ServiceError::Internal("fonts lock".into()))?;
        if let Some(f) = slot.as_ref() {
            return Ok(f.clone());
        }
        let f = Fonts::load_system().map_err(|e| ServiceError::Invalid(e.to_string()))?;
        *slot = Some(f.clone());
        Ok(f)
    }

    /// The ward's return address, from settings kept in the database.
    pub(crate) async fn sender(&self, tx: &mut itaku_store::Tx) -> Result<Sender> {
        let get = async |tx: &mut itaku_store::Tx, k: &str, d: &str| -> Result<String> {
            Ok(tx.meta_get(k).await?.unwrap_or_else(|| d.to_owned()))
        };
        Ok(Sender {
            postal_code: get(tx, "sender.postal_code", "1608484").await?,
            address: get(tx, "sender.address", "東京都新宿区歌舞伎町1-4-1").await?,
            name: get(tx, "sender.name", "新宿区 健康部 健康づくり課").await?,
            phone: get(tx, "sender.phone", "03-5273-3047").await?,
        })
    }

    /// Render one batch of a run. Each call is an audited print of exactly
    /// the people in the batch, and is counted in the register.
    pub async fn render_batch(&self, actor: &Actor, run_id: i64, batch: i64) -> Result<PrintFile> {
        let side = Side::of(actor);
        let run = {
            let mut tx = self.inner.store.begin().await?;
            let r = tx.print_run(run_id).await?;
            tx.rollback().await?;
            r.ok_or_else(ServiceError::not_found)?
        };
        let kind = PrintKind::parse(&run.kind)?;
        let (mut op, row) = self
            .campaign_op(actor, run.campaign_id, Action::Print, kind.items())
            .await?;
        // A run is rendered from the vault it was made from.
        if run.from_vault != side.code() {
            op.finish(&[], &format!("run {run_id}: other side")).await?;
            return Err(ServiceError::not_found());
        }
        let per = if kind == PrintKind::PrintData {
            run.persons.max(1)
        } else {
            BATCH
        };
        if batch < 1 || (batch - 1) * per >= run.persons {
            op.finish(&[], &format!("run {run_id}: no batch {batch}"))
                .await?;
            return Err(ServiceError::not_found());
        }
        let items = op
            .tx
            .print_run_items(run_id, (batch - 1) * per + 1, batch * per)
            .await?;
        let members: Vec<MemberRow> = {
            let all = op.tx.campaign_members(run.campaign_id).await?;
            let wanted: std::collections::HashSet<i64> = items.iter().map(|i| i.1).collect();
            all.into_iter()
                .filter(|m| wanted.contains(&m.person_id))
                .collect()
        };
        let refs: Vec<&MemberRow> = members.iter().collect();
        let values = self.member_values(&mut op, side, &refs).await?;
        let versions: BTreeMap<String, i64> =
            serde_json::from_str(&run.template_versions).unwrap_or_default();
        let templates = templates_at(&mut op.tx, run.campaign_id, &versions).await?;
        let sender = self.sender(&mut op.tx).await?;
        let empty = BTreeMap::new();
        let seg_of = |p: i64| {
            members
                .iter()
                .find(|m| m.person_id == p)
                .and_then(|m| m.segment.clone())
        };
        let get = |v: &BTreeMap<Item, String>, i: Item| v.get(&i).cloned().unwrap_or_default();
        let stem = format!("R{run_id:05}-{batch:03}");
        let rendered = (|| -> Result<PrintFile> {
            let fonts = self.fonts()?;
            Ok(match kind {
                PrintKind::Postcards => {
                    let mut cards = Vec::with_capacity(items.len());
                    for (seq, p) in &items {
                        let v = values.get(p).unwrap_or(&empty);
                        let t = seg_of(*p)
                            .and_then(|s| templates.get(&s))
                            .ok_or_else(|| ServiceError::Internal(format!("template for {p}")))?;
                        cards.push(self.postcard_for(&row, page_ref(run_id, *seq), v, t));
                    }
                    let pdf = itaku_print::postcards(&fonts, &sender, &cards)
                        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
                    PrintFile {
                        filename: format!("{stem}-hagaki.pdf"),
                        content_type: "application/pdf",
                        pages: pdf.pages,
                        bytes: pdf.bytes,
                    }
                }
                PrintKind::Labels => {
                    let labels: Vec<Label> = items
                        .iter()
                        .map(|(seq, p)| {
                            let v = values.get(p).unwrap_or(&empty);
                            Label {
                                page_ref: page_ref(run_id, *seq),
                                postal_code: get(v, Item::YubinBango),
                                jusho: get(v, Item::Jusho),
                                katagaki: get(v, Item::Katagaki),
                                shimei: get(v, Item::Shimei),
                            }
                        })
                        .collect();
                    let pdf = itaku_print::labels(&fonts, LabelSheet::A4x12, &stem, &labels)
                        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
                    PrintFile {
                        filename: format!("{stem}-label.pdf"),
                        content_type: "application/pdf",
                        pages: pdf.pages,
                        bytes: pdf.bytes,
                    }
                }
                PrintKind::Vouchers => {
                    let fy = itaku_jp::FiscalYear::new(row.fiscal_year as i32).label();
                    let vouchers: Vec<Voucher> = items
                        .iter()
                        .map(|(seq, p)| {
                            let v = values.get(p).unwrap_or(&empty);
                            let birth = crate::time::parse_date(&get(v, Item::Seinengappi))
                                .map(itaku_jp::format_wareki)
                                .unwrap_or_default();
                            Voucher {
                                page_ref: page_ref(run_id, *seq),
                                postal_code: get(v, Item::YubinBango),
                                jusho: get(v, Item::Jusho),
                                katagaki: get(v, Item::Katagaki),
                                shimei: get(v, Item::Shimei),
                                kana_shimei: get(v, Item::KanaShimei),
                                birth_wareki: birth,
                                sex: sex_label(&get(v, Item::Seibetsu)).into(),
                                jushinken_no: get(v, Item::JushinkenNo),
                                screenings: vec![
                                    "胃がん検診".into(),
                                    "肺がん検診".into(),
                                    "大腸がん検診".into(),
                                ],
                                fiscal_year_label: fy.clone(),
                            }
                        })
                        .collect();
                    let desk = VoucherDesk {
                        name: "がん検診コールセンター".into(),
                        phone: row.desk_phone.clone(),
                        hours: "平日 午前9時〜午後5時（土日祝・年末年始を除く）".into(),
                    };
                    let pdf = itaku_print::vouchers(&fonts, &sender, &desk, &vouchers)
                        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
                    PrintFile {
                        filename: format!("{stem}-jushinhyo.pdf"),
                        content_type: "application/pdf",
                        pages: pdf.pages,
                        bytes: pdf.bytes,
                    }
                }
                PrintKind::PrintData => {
                    let allowed = op.allowed.clone();
                    let cols: Vec<Item> = kind
                        .items()
                        .iter()
                        .filter(|i| allowed.contains(*i))
                        .collect();
                    let mut text = String::from("印刷番号,区分");
                    for c in &cols {
                        text.push(',');
                        text.push_str(c.label());
                    }
                    text.push_str("\r\n");
                    for (seq, p) in &items {
                        let v = values.get(p).unwrap_or(&empty);
                        text.push_str(&page_ref(run_id, *seq));
                        text.push(',');
                        text.push_str(&csv_field(&seg_of(*p).unwrap_or_default()));
                        for c in &cols {
                            text.push(',');
                            text.push_str(&csv_field(&get(v, *c)));
                        }
                        text.push_str("\r\n");
                    }
                    let bytes = itaku_jp::encode_cp932(&text).map_err(|e| {
                        ServiceError::Invalid(format!(
                            "Shift_JIS にできない文字「{}」があるため印刷データを作れません",
                            e.ch
                        ))
                    })?;
                    PrintFile {
                        filename: format!("{stem}-print-data.csv"),
                        content_type: "text/csv; charset=Shift_JIS",
                        pages: 0,
                        bytes,
                    }
                }
            })
        })();
        let records: Vec<i64> = members.iter().map(|m| side.record(m)).collect();
        // The people's data was read either way: a failed render is
        // recorded too, with its reason.
        let file = match rendered {
            Ok(f) => f,
            Err(e) => {
                op.finish(
                    &records,
                    &format!("print R{run_id:05} batch {batch} failed: {e}"),
                )
                .await?;
                return Err(e);
            }
        };
        let now = op.now_ts();
        let by = op.actor_user();
        op.tx
            .insert_print_download(run_id, batch, &now, by, file.pages as i64)
            .await?;
        op.finish(
            &records,
            &format!(
                "print R{run_id:05} batch {batch}: {} persons, {} pages, {} bytes",
                items.len(),
                file.pages,
                file.bytes.len()
            ),
        )
        .await?;
        Ok(file)
    }

    /// One person's postcard: address side and the segment's message.
    fn postcard_for(
        &self,
        row: &itaku_store::CampaignRow,
        page_ref: String,
        v: &BTreeMap<Item, String>,
        t: &itaku_store::TemplateRow,
    ) -> Postcard {
        let get = |i: Item| v.get(&i).cloned().unwrap_or_default();
        let (title, body) = self.fill_for(row, v, t);
        let postal = get(Item::YubinBango);
        let address = format!("{}{}", get(Item::Jusho), get(Item::Katagaki));
        // No barcode for a representative or malformed postal code (the
        // manual gives those none); the address still prints.
        let barcode = itaku_jp::PostalCode::parse(&postal)
            .ok()
            .and_then(|pc| itaku_jp::CustomerBarcode::new(&pc, &address).ok())
            .map(|b| b.bars())
            .unwrap_or_default();
        Postcard {
            page_ref,
            postal_code: postal,
            jusho: get(Item::Jusho),
            katagaki: get(Item::Katagaki),
            shimei: get(Item::Shimei),
            barcode,
            message_title: title,
            message_body: body,
        }
    }

    /// 校正刷り: a segment's postcard as it will print, for its first
    /// member, as a PNG of one side (0 address, 1 message). Shows a
    /// person's name and address on screen, so it is an audited read.
    pub async fn proof_postcard(
        &self,
        actor: &Actor,
        campaign_id: i64,
        segment: &str,
        side_no: usize,
    ) -> Result<Vec<u8>> {
        let side = Side::of(actor);
        let (mut op, row) = self
            .campaign_op(
                actor,
                campaign_id,
                Action::Read,
                PrintKind::Postcards.items(),
            )
            .await?;
        let members = op.tx.campaign_members(campaign_id).await?;
        let Some(first) = members
            .iter()
            .find(|m| m.segment.as_deref() == Some(segment) && m.returned_at.is_none())
        else {
            op.finish(
                &[],
                &format!("campaign {campaign_id}: no proof for {segment}"),
            )
            .await?;
            return Err(ServiceError::not_found());
        };
        let templates = op.tx.templates(campaign_id).await?;
        let Some(t) = templates.into_iter().find(|t| t.segment == segment) else {
            op.finish(
                &[],
                &format!("campaign {campaign_id}: no message for {segment}"),
            )
            .await?;
            return Err(ServiceError::Conflict(
                "この区分の文面がまだ保存されていません".into(),
            ));
        };
        let values = self.member_values(&mut op, side, &[first]).await?;
        let empty = BTreeMap::new();
        let v = values.get(&first.person_id).unwrap_or(&empty);
        let card = self.postcard_for(&row, format!("校正 第{}版", t.version), v, &t);
        let sender = self.sender(&mut op.tx).await?;
        let png = self.fonts().and_then(|fonts| {
            itaku_print::postcard_png(&fonts, &sender, &card, side_no.min(1), 2.0)
                .map_err(|e| ServiceError::Invalid(e.to_string()))
        });
        let png = match png {
            Ok(p) => p,
            Err(e) => {
                op.finish(&[side.record(first)], &format!("proof failed: {e}"))
                    .await?;
                return Err(e);
            }
        };
        op.finish(
            &[side.record(first)],
            &format!("campaign {campaign_id}: proof of {segment} v{}", t.version),
        )
        .await?;
        Ok(png)
    }

    /// Who a page was printed for. Reads the name, audited.
    pub async fn identify_page(&self, actor: &Actor, page: &str) -> Result<PageOwner> {
        self.page_owner(actor, page, Action::Read, None).await
    }

    /// Record a postcard returned undeliverable (宛所不明): an outcome for
    /// the analysis, and no more mail to that person from this campaign.
    pub async fn record_returned(
        &self,
        actor: &Actor,
        page: &str,
        reason: &str,
    ) -> Result<PageOwner> {
        let reason = if reason.trim().is_empty() {
            "宛所不明"
        } else {
            reason.trim()
        };
        self.page_owner(actor, page, Action::Write, Some(reason))
            .await
    }

    async fn page_owner(
        &self,
        actor: &Actor,
        page: &str,
        action: Action,
        returned: Option<&str>,
    ) -> Result<PageOwner> {
        let (run_id, seq) = parse_page_ref(page)?;
        let side = Side::of(actor);
        let run = {
            let mut tx = self.inner.store.begin().await?;
            let r = tx.print_run(run_id).await?;
            tx.rollback().await?;
            r
        };
        let campaign = run.as_ref().map(|r| r.campaign_id).unwrap_or(0);
        let items: ItemSet = [Item::Shimei].into_iter().collect();
        let (mut op, row) = self.campaign_op(actor, campaign, action, items).await?;
        let member = match op.tx.print_run_items(run_id, seq, seq).await?.first() {
            Some((_, p)) => op.tx.campaign_member(campaign, *p).await?,
            None => None,
        };
        let Some(mut member) = member else {
            op.finish(&[], &format!("page {page}: not found")).await?;
            return Err(ServiceError::not_found());
        };
        let values = self.member_values(&mut op, side, &[&member]).await?;
        if let Some(reason) = returned {
            let now = op.now_ts();
            let by = op.actor_user();
            if !op
                .tx
                .mark_member_returned(campaign, member.person_id, &now, by, reason)
                .await?
            {
                // The name was read: that read is recorded even though
                // nothing changes.
                op.finish(
                    &[side.record(&member)],
                    &format!("page {}: already returned", page_ref(run_id, seq)),
                )
                .await?;
                return Err(ServiceError::Conflict(format!(
                    "{} はすでに返戻として記録されています",
                    page_ref(run_id, seq)
                )));
            }
            member.returned_at = Some(now);
        }
        op.finish(
            &[side.record(&member)],
            &format!(
                "page {}{}",
                page_ref(run_id, seq),
                if returned.is_some() {
                    ": returned mail recorded"
                } else {
                    ""
                }
            ),
        )
        .await?;
        Ok(PageOwner {
            page_ref: page_ref(run_id, seq),
            campaign_id: campaign,
            campaign_name: row.name,
            run_id,
            seq,
            member_id: member.person_id,
            shimei: values
                .get(&member.person_id)
                .and_then(|v| v.get(&Item::Shimei))
                .cloned()
                .unwrap_or_default(),
            returned_at: member.returned_at,
        })
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
