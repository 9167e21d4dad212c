extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIIAlphanumeric: Bool { isASCII && (isLetter || isNumber) }
    var isUppercaseASCIIAlphanumeric: Bool { isASCII && (isUppercase || isNumber) }
}
