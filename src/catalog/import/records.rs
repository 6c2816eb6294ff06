//! Reading an upload record by record, never keeping more than [`MAX_RECORD_BYTES`] of it.
//!
//! A record is one line, or for CSV the lines one record spans when a quoted field holds a line
//! break. A longer record is read to its end but not kept: its bytes are scanned (for CSV, with
//! the same quoting rules the CSV parser follows, so the record's end is still found) and
//! dropped, and it is reported as [`Record::TooLong`]. A bad upload therefore costs a bounded
//! amount of memory however long its lines are.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The longest record an import reads.
pub(crate) const MAX_RECORD_BYTES: usize = 64 * 1024;

/// How records end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// A record ends at a line break outside a quoted field.
    Csv,
    /// A record ends at every line break.
    Lines,
}

/// One record of the upload.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Record<'a> {
    /// The record's bytes, without the line break that ended it.
    Complete(&'a [u8]),
    /// A record longer than [`MAX_RECORD_BYTES`]; its bytes were dropped.
    TooLong,
}

/// Where the CSV scanner is within a record (the states of the CSV parser that matter for
/// finding the record's end: a quote opens a quoted field only at the start of a field, and a
/// doubled quote inside it is a literal quote).
#[derive(Clone, Copy)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl Quoting {
    /// The state after `byte`, or `None` when `byte` ends the record.
    fn after(self, byte: u8, syntax: Syntax) -> Option<Quoting> {
        use Quoting::{FieldStart, QuoteInQuoted, Quoted, Unquoted};
        if syntax == Syntax::Lines {
            return (byte != b'\n').then_some(Unquoted);
        }
        Some(match (self, byte) {
            (Quoted, b'"') => QuoteInQuoted,
            (Quoted, _) => Quoted,
            (_, b'\n') => return None,
            (FieldStart, b'"') | (QuoteInQuoted, b'"') => Quoted,
            (_, b',') => FieldStart,
            (FieldStart | Unquoted | QuoteInQuoted, _) => Unquoted,
        })
    }
}

/// The records of an upload, in order.
pub(crate) struct Records<R> {
    reader: R,
    syntax: Syntax,
    /// The 1-based line the next record starts on.
    next_line: u64,
    kept: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Records<R> {
    pub(crate) fn new(reader: R, syntax: Syntax) -> Self {
        Self {
            reader,
            syntax,
            next_line: 1,
            kept: Vec::new(),
        }
    }

    /// The next record with the line it starts on, or `None` at the end of the upload.
    pub(crate) async fn next(&mut self) -> std::io::Result<Option<(u64, Record<'_>)>> {
        let line = self.next_line;
        self.kept.clear();
        let mut too_long = false;
        let mut quoting = Quoting::FieldStart;
        let mut read_any = false;
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                if !read_any {
                    return Ok(None);
                }
                break;
            }
            read_any = true;
            let mut end = None;
            for (index, &byte) in available.iter().enumerate() {
                if byte == b'\n' {
                    self.next_line += 1;
                }
                match quoting.after(byte, self.syntax) {
                    Some(next) => quoting = next,
                    None => {
                        end = Some(index);
                        break;
                    }
                }
            }
            let body = &available[..end.unwrap_or(available.len())];
            if !too_long && self.kept.len() + body.len() > MAX_RECORD_BYTES {
                too_long = true;
                self.kept.clear();
            }
            if !too_long {
                self.kept.extend_from_slice(body);
            }
            let consumed = end.map_or(available.len(), |index| index + 1);
            self.reader.consume(consumed);
            if end.is_some() {
                break;
            }
        }
        let record = if too_long {
            Record::TooLong
        } else {
            Record::Complete(&self.kept)
        };
        Ok(Some((line, record)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn records(text: &[u8], syntax: Syntax) -> Vec<(u64, Option<String>)> {
        let mut records = Records::new(text, syntax);
        let mut found = Vec::new();
        while let Some((line, record)) = records.next().await.unwrap() {
            let kept = match record {
                Record::Complete(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
                Record::TooLong => None,
            };
            found.push((line, kept));
        }
        found
    }

    #[tokio::test]
    async fn csv_records_span_quoted_line_breaks_only() {
        let text = b"a,\"b\nc\",d\ne\"f,g\n\"h\"\"\ni\",j\n\nlast";
        assert_eq!(
            records(text, Syntax::Csv).await,
            vec![
                (1, Some("a,\"b\nc\",d".into())),
                (3, Some("e\"f,g".into())),
                (4, Some("\"h\"\"\ni\",j".into())),
                (6, Some(String::new())),
                (7, Some("last".into())),
            ],
            "a quote inside an unquoted field is literal; a doubled quote stays quoted"
        );
        assert_eq!(
            records(b"a\nb\n", Syntax::Lines).await,
            vec![(1, Some("a".into())), (2, Some("b".into()))]
        );
    }

    #[tokio::test]
    async fn a_record_past_the_bound_is_dropped_and_the_next_one_read() {
        let mut text = b"short\n\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES));
        text.extend(b"\n,still quoted\"\nnext\n");
        // A reader that hands out small slices, as a network upload does.
        let reader = tokio::io::BufReader::with_capacity(1024, text.as_slice());
        let mut records = Records::new(reader, Syntax::Csv);
        let mut found = Vec::new();
        while let Some((line, record)) = records.next().await.unwrap() {
            found.push((
                line,
                matches!(record, Record::TooLong),
                records.kept.capacity(),
            ));
        }
        let shape: Vec<(u64, bool)> = found.iter().map(|(l, t, _)| (*l, *t)).collect();
        assert_eq!(shape, vec![(1, false), (2, true), (4, false)]);
        assert!(
            found
                .iter()
                .all(|(_, _, kept)| *kept <= 2 * MAX_RECORD_BYTES),
            "never keeps much more than the bound"
        );
    }
}
