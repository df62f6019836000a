using System.Globalization;

namespace AutoMon.Numerics.Functions;

internal enum TokenKind : byte
{
    Number,
    Name,
    Symbol,
    End,
}

/// <summary>One token of a formula: <see cref="Position"/> is its 0-based character offset in the formula's text.</summary>
internal readonly record struct FormulaToken(TokenKind Kind, int Position, string Text, double Number = 0)
{
    public bool Is(char symbol) => Kind == TokenKind.Symbol && Text[0] == symbol;

    /// <summary>How an error message names this token: "'dot'", "'('", or "the end of the formula".</summary>
    public string Describe() => Kind == TokenKind.End ? "the end of the formula" : $"'{Text}'";
}

/// <summary>Splits a formula into numbers, names and the symbols <c>+ - * / ^ ( ) [ ] : ,</c>; whitespace separates.</summary>
internal static class FormulaTokenizer
{
    private const string Symbols = "+-*/^()[]:,";

    public static List<FormulaToken> Tokenize(string text)
    {
        var tokens = new List<FormulaToken>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumber(text, ref i));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new FormulaToken(TokenKind.Name, start, text[start..i]));
            }
            else if (Symbols.Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(new FormulaToken(TokenKind.Symbol, i, c.ToString()));
                i++;
            }
            else
            {
                var hint = c switch
                {
                    '.' => "; a number needs a digit after its '.'",
                    '{' or '<' => "; use '(' and ')' to group",
                    _ => "",
                };
                throw new FormulaException(i,
                    $"unexpected character '{c}'; a formula has numbers, x, functions and + - * / ^ ( ) [ ] : ,{hint}");
            }
        }

        tokens.Add(new FormulaToken(TokenKind.End, text.Length, string.Empty));
        return tokens;
    }

    // digits [ '.' digits ] [ ('e' | 'E') [ '+' | '-' ] digits ], or '.' digits [ exponent ]; always invariant.
    private static FormulaToken ReadNumber(string text, ref int i)
    {
        var start = i;
        SkipDigits(text, ref i);
        if (i < text.Length && text[i] == '.')
        {
            i++;
            SkipDigits(text, ref i);
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            var exponent = i;
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            if (i >= text.Length || !char.IsAsciiDigit(text[i]))
            {
                throw new FormulaException(exponent, $"the number '{text[start..i]}' needs digits after its exponent '{text[exponent]}'");
            }

            SkipDigits(text, ref i);
        }

        var literal = text[start..i];
        var value = double.Parse(literal, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            throw new FormulaException(start, $"the number {literal} is too large for a double");
        }

        return new FormulaToken(TokenKind.Number, start, literal, value);
    }

    private static void SkipDigits(string text, ref int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
    }
}
