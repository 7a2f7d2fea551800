using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MelGenre.Datasets;

/// <summary>One record of a CSV file: its fields and the (1-based) line it starts on.</summary>
internal readonly record struct CsvRecord(string[] Fields, int Line);

/// <summary>
/// A small RFC 4180 reader: comma-separated, fields optionally in double quotes, <c>""</c> for a quote inside a
/// quoted field, quoted fields may hold commas and line breaks (FMA's tracks.csv has both), CRLF or LF endings,
/// an optional UTF-8 byte-order mark. Malformed input (text after a closing quote, a quote that never closes)
/// throws <see cref="InvalidDataException"/> naming the file and line.
/// </summary>
internal static class CsvTable
{
    public static IEnumerable<CsvRecord> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        foreach (var record in Read(reader, path))
            yield return record;
    }

    public static IEnumerable<CsvRecord> Read(TextReader reader, string name)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool inQuotes = false, quotedField = false, afterQuote = false, any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            char ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                        afterQuote = true;
                    }
                }
                else
                {
                    if (ch == '\n')
                        line++;
                    field.Append(ch);
                }
                continue;
            }

            switch (ch)
            {
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    quotedField = afterQuote = false;
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return new CsvRecord(fields.ToArray(), recordLine);
                    fields.Clear();
                    quotedField = afterQuote = any = false;
                    line++;
                    recordLine = line;
                    break;
                case '"' when field.Length == 0 && !quotedField:
                    inQuotes = quotedField = any = true;
                    break;
                default:
                    if (afterQuote)
                    {
                        throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                            "{0}, line {1}: unexpected character '{2}' after a closing quote (a quoted field must end at a comma or the end of the line).", name, line, ch));
                    }
                    if (ch == '"')
                    {
                        throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                            "{0}, line {1}: a double quote inside an unquoted field (quote the whole field and double the quote: \"\").", name, line));
                    }
                    field.Append(ch);
                    any = true;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                "{0}, line {1}: a quoted field starts here and never closes before the end of the file.", name, recordLine));
        }
        if (any || field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return new CsvRecord(fields.ToArray(), recordLine);
        }
    }
}
